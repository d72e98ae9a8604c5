/**
 * The two ways event values are written. The registry itself is exercised for real in
 * test/integration/schema-registry-*.test.ts; here: the plain path, and what the framed path does before it knows
 * the schema id (refuses to write, readiness says why) against a registry port where nothing listens.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConnectorConfig } from '../../src/config/index.js';
import { isConnectorError } from '../../src/errors.js';
import { ConnectorMetrics, WorkerHealth } from '../../src/observability/index.js';
import { createEventValues } from '../../src/pipeline/event-values.js';

const schema = { schemaName: 'io.example.Event', schemaText: '{"type":"string"}', schemaFingerprint: 'abc' };

function configWith(schemaRegistry: ConnectorConfig['schemaRegistry']): ConnectorConfig {
  return {
    kafka: { topic: 'presence' },
    ...(schemaRegistry === undefined ? {} : { schemaRegistry }),
  } as ConnectorConfig;
}

/** A loopback port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('createEventValues', () => {
  it('without a registry writes the Avro bytes as they are, ready at once', async () => {
    const health = new WorkerHealth();
    const values = createEventValues(configWith(undefined), schema, {
      health,
      metrics: new ConnectorMetrics(),
      logger: pino({ level: 'silent' }),
    });
    expect(values.format).toBe('avro');
    expect(await values.prepare(new AbortController().signal)).toBeUndefined();
    const avro = Buffer.from([1, 2, 3]);
    expect(values.value(avro)).toBe(avro);
    expect(health.status().reasons.some((reason) => reason.startsWith('Schema Registry'))).toBe(false);
  });

  it('with a registry writes nothing before the schema id is known, and says so in readiness while it waits', async () => {
    const port = await closedPort();
    const health = new WorkerHealth();
    const lines: string[] = [];
    const values = createEventValues(
      configWith({
        url: `http://127.0.0.1:${port}`,
        subjectNameStrategy: 'TopicNameStrategy',
        autoRegister: true,
        requestTimeoutMs: 1_000,
      }),
      schema,
      {
        health,
        metrics: new ConnectorMetrics(),
        logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }),
      },
    );
    expect(values.format).toBe('confluent');
    let refused: unknown;
    try {
      values.value(Buffer.from([1]));
    } catch (error) {
      refused = error;
    }
    expect(isConnectorError(refused, 'EVENT_ENCODING_FAILED')).toBe(true);
    expect(String(refused)).toContain('subject "presence-value"');
    expect(health.status().reasons).toContainEqual(
      expect.stringMatching(/^Schema Registry: .*presence-value.*not known yet/),
    );

    const stop = new AbortController();
    const prepared = values.prepare(stop.signal);
    // Wait for the first failed attempt to be reported, then stop the wait.
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await expect(prepared).rejects.toSatisfy((error: unknown) =>
      isConnectorError(error, 'SCHEMA_REGISTRY_UNAVAILABLE'),
    );
    expect(health.status().reasons).toContainEqual(
      expect.stringMatching(new RegExp(`^Schema Registry: unavailable at http://127\\.0\\.0\\.1:${port}`)),
    );
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 40, subject: 'presence-value' });
    await values.close();
  });
});
