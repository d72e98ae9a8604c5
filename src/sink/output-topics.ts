import type { OutputTopics, ShardBatch, SinkRecord } from './types.js';

/** Records a batch holds, for the in-flight bound and the transaction size cap. */
export function recordsIn(batch: ShardBatch): number {
  return (
    batch.events.length +
    (batch.table?.length ?? 0) +
    batch.state.length +
    (batch.watermarks?.length ?? 0) +
    (batch.directory?.length ?? 0)
  );
}

/**
 * The non-state records of a batch by topic, change events first: a reader of the table or the watermarks
 * never sees, even at-least-once, what the change topic does not have yet.
 */
export function outputBatches(
  topics: OutputTopics,
  batch: ShardBatch,
): Array<{ topic: string; records: readonly SinkRecord[] }> {
  const batches = [{ topic: topics.eventsTopic, records: batch.events }];
  if (topics.tableTopic !== undefined && batch.table !== undefined)
    batches.push({ topic: topics.tableTopic, records: batch.table });
  if (topics.watermarkTopic !== undefined && batch.watermarks !== undefined)
    batches.push({ topic: topics.watermarkTopic, records: batch.watermarks });
  if (topics.directoryTopic !== undefined && batch.directory !== undefined)
    batches.push({ topic: topics.directoryTopic, records: batch.directory });
  return batches.filter((entry) => entry.records.length > 0);
}
