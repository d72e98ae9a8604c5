import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConnectorConfig } from '../../src/config/index.js';
import { createPresenceEventCodec, createWatermarkCodec } from '../../src/events/index.js';
import { ConnectorMetrics, WorkerHealth } from '../../src/observability/index.js';
import { createOutputValues } from '../../src/pipeline/output-values.js';

const schemas = { event: createPresenceEventCodec(), watermark: createWatermarkCodec() };
const telemetry = () => ({
  health: new WorkerHealth(),
  metrics: new ConnectorMetrics({ collectProcessMetrics: false }),
  logger: pino({ level: 'silent' }),
});

function configWith(kafka: Partial<ConnectorConfig['kafka']>, registry?: ConnectorConfig['schemaRegistry']) {
  return {
    kafka: { topic: 'p.changes', ...kafka },
    ...(registry === undefined ? {} : { schemaRegistry: registry }),
  } as ConnectorConfig;
}

function refusal(write: () => unknown): string {
  try {
    write();
  } catch (error) {
    return String(error);
  }
  return 'written';
}

describe('the values of every output topic', () => {
  it('are plain Avro for all topics without a registry, and leave out the outputs that are off', async () => {
    const all = createOutputValues(
      configWith({ table: { topic: 'p.current', partitions: 6 }, watermarkTopic: 'p.watermarks' }),
      schemas,
      telemetry(),
    );
    await all.prepare(new AbortController().signal);
    const avro = Buffer.from([3, 4]);
    expect(all.format).toBe('avro');
    expect(all.events.value(avro)).toBe(avro);
    expect(all.table?.value(avro)).toBe(avro);
    expect(all.watermarks?.value(avro)).toBe(avro);
    const none = createOutputValues(configWith({}), schemas, telemetry());
    expect(none.table).toBeUndefined();
    expect(none.watermarks).toBeUndefined();
  });

  it('with a registry frame each topic under its own subject, and write nothing before its id is known', async () => {
    const values = createOutputValues(
      configWith(
        { table: { topic: 'p.current', partitions: 6 }, watermarkTopic: 'p.watermarks' },
        {
          url: 'http://127.0.0.1:9',
          subjectNameStrategy: 'TopicNameStrategy',
          autoRegister: true,
          requestTimeoutMs: 1_000,
        },
      ),
      schemas,
      telemetry(),
    );
    expect(values.format).toBe('confluent');
    expect(refusal(() => values.events.value(Buffer.from([1])))).toContain('subject "p.changes-value"');
    expect(refusal(() => values.table?.value(Buffer.from([1])))).toContain('subject "p.current-value"');
    expect(refusal(() => values.watermarks?.value(Buffer.from([1])))).toContain('subject "p.watermarks-value"');
    await values.close();
  });
});
