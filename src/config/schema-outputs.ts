/**
 * The consumer-facing topics beside the change log, in the `kafka` section: the table of current presence and
 * the per-shard freshness watermarks. Both are on by default: they cost one record per change and one per cycle.
 */
import { z } from 'zod';
import { checkTopic } from './formats.js';
import { formatted, int, setting } from './schema-common.js';

export const kafkaTableSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'Write the compacted table topic: key = user id, value = the event that set the current presence, a tombstone when the user left the watched set.',
        }),
      ),
    topic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description: 'Compacted topic of the current presence per user, created at start if missing.',
          defaultText: 'kafka.topic with a final ".changes" replaced by ".current" (else ".current" appended)',
        }),
      ),
    partitions: int(1, 100_000)
      .optional()
      .meta(
        setting({
          description: 'Partitions when the connector creates the table topic.',
          defaultText: 'kafka.partitions',
        }),
      ),
  })
  .prefault({})
  .meta(setting({ description: 'The table of current presence (stream-table duality of the change topic).' }));

export const kafkaWatermarkSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'After every complete cycle of a shard, write a watermark record saying every user of the shard was confirmed current as of the cycle start.',
        }),
      ),
    topic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description: 'Compacted topic of the watermarks (key = shard name), created at start if missing.',
          defaultText: 'kafka.topic with a final ".changes" replaced by ".watermarks" (else ".watermarks" appended)',
        }),
      ),
  })
  .prefault({})
  .meta(setting({ description: 'Freshness watermarks, one record per shard and complete cycle.' }));

/** The table and watermark topic names derived from the change topic's, so that two connectors never share them. */
export function derivedTopic(changeTopic: string, suffix: 'current' | 'watermarks'): string {
  const base = changeTopic.endsWith('.changes') ? changeTopic.slice(0, -'.changes'.length) : changeTopic;
  return `${base}.${suffix}`;
}
