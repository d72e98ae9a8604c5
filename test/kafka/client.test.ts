import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KAFKA_CLIENT_LOG_FIELD } from '../../src/kafka/client-log.js';
import { createKafkaClient, tlsConnectionOptions } from '../../src/kafka/client.js';

/** A pino logger at debug whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, destination) };
}

describe('tlsConnectionOptions', () => {
  it('passes the CA, the client certificate, the revealed key and the server name to tls.connect', () => {
    expect(
      tlsConnectionOptions({
        rejectUnauthorized: true,
        caPem: 'CA',
        certificatePem: 'CERT',
        privateKey: { reveal: () => 'KEY' },
        servername: 'broker.internal',
      }),
    ).toEqual({ rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY', servername: 'broker.internal' });
  });

  it("leaves out what is not configured, so Node's public roots apply", () => {
    expect(tlsConnectionOptions({ rejectUnauthorized: false })).toEqual({ rejectUnauthorized: false });
  });
});

/** A client that never connects: only its logger is used. */
function clientLoggingTo(logger: ReturnType<typeof capturingLogger>['logger']) {
  return createKafkaClient({
    brokers: ['127.0.0.1:1'],
    clientId: 'test',
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    logger,
  });
}

describe("createKafkaClient's logging", () => {
  it("maps kafkajs's lines into ours: benign ones at debug, a broker out of reach at warn, marked as the client's", () => {
    const { lines, logger } = capturingLogger();
    const kafka = clientLoggingTo(logger);
    kafka
      .logger()
      .namespace('Producer')
      .warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    kafka
      .logger()
      .namespace('Connection')
      .error('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1', stack: 'Error\n    at x' });
    const above = lines.filter((line) => (line['level'] as number) > 20);
    expect(above).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
        [KAFKA_CLIENT_LOG_FIELD]: 'Connection',
        broker: '127.0.0.1:1',
      }),
    ]);
    expect(above[0]).not.toHaveProperty('stack');
    expect(above[0]).not.toHaveProperty('logger');
    expect(lines.filter((line) => line['level'] === 20)).toHaveLength(2);
  });

  it("passes kafkajs's info lines on at debug when debug is on, and leaves them out otherwise", () => {
    const debug = capturingLogger();
    clientLoggingTo(debug.logger).logger().namespace('Consumer').info('Starting', { groupId: 'g' });
    expect(debug.lines).toEqual([expect.objectContaining({ level: 20, msg: 'Starting' })]);

    const info = capturingLogger();
    info.logger.level = 'info';
    clientLoggingTo(info.logger).logger().namespace('Consumer').info('Starting', { groupId: 'g' });
    expect(info.lines).toEqual([]);
  });
});
