import type { ConnectorConfig } from '../config/index.js';
import type { StageTelemetry } from '../observability/index.js';
import { createEventValues, type EventSchema, type EventValues } from './event-values.js';

/** How the values of every consumer-facing topic are written: each topic has its own subject and schema id. */
export interface OutputValues {
  readonly format: EventValues['format'];
  readonly events: EventValues;
  /** Absent when the table is off. Its values are the events', under the table topic's subject. */
  readonly table?: EventValues;
  /** Absent when watermarks are off. */
  readonly watermarks?: EventValues;
  /** Resolves once every topic's values can be written (see EventValues.prepare). */
  prepare(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export function createOutputValues(
  config: ConnectorConfig,
  schemas: { event: EventSchema; watermark: EventSchema },
  telemetry: StageTelemetry,
): OutputValues {
  const events = createEventValues(config, schemas.event, telemetry);
  const { table, watermarkTopic } = config.kafka;
  const tableValues =
    table === undefined ? undefined : createEventValues(config, schemas.event, telemetry, table.topic);
  const watermarks =
    watermarkTopic === undefined ? undefined : createEventValues(config, schemas.watermark, telemetry, watermarkTopic);
  const all = [events, tableValues, watermarks].filter((values) => values !== undefined);
  return {
    format: events.format,
    events,
    ...(tableValues === undefined ? {} : { table: tableValues }),
    ...(watermarks === undefined ? {} : { watermarks }),
    async prepare(signal) {
      // One after the other: a registry that is down is waited for once, not three times side by side.
      for (const values of all) await values.prepare(signal);
    },
    async close() {
      await Promise.all(all.map((values) => values.close()));
    },
  };
}
