import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  KAFKA_CLIENT_LOG_FIELD,
  kafkaSecurityHint,
  logKafkaEntry,
  tlsConnectionOptions,
} from '../../src/kafka/client.js';

const { logLevel } = kafkajs;

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

describe('kafkaSecurityHint', () => {
  it('names the setting to fix for the usual TLS and SASL failures', () => {
    expect(kafkaSecurityHint('unable to verify the first certificate')).toMatch(/kafka\.tls\.caFile/);
    expect(kafkaSecurityHint("Hostname/IP does not match certificate's altnames")).toMatch(/servername/);
    expect(kafkaSecurityHint('SSL alert number 42')).toMatch(/client certificate/);
    expect(kafkaSecurityHint('wrong version number')).toMatch(/kafka\.tls\.enabled/);
    expect(kafkaSecurityHint('SASL SCRAM SHA512 authentication failed')).toMatch(/kafka\.sasl/);
    expect(kafkaSecurityHint('UNSUPPORTED_SASL_MECHANISM')).toMatch(/mechanism/);
  });

  it('gives no hint for failures that are not about security', () => {
    expect(kafkaSecurityHint('Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBeUndefined();
  });
});

describe('logKafkaEntry', () => {
  it("marks the Kafka client's own lines with a field of ours, not the library's name for itself", () => {
    const { lines, logger } = capturingLogger();
    logKafkaEntry(logger, {
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 'now', logger: 'kafkajs', message: 'Connection error', broker: 'kafka-1:9092' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'Connection error',
      [KAFKA_CLIENT_LOG_FIELD]: 'Connection',
      broker: 'kafka-1:9092',
    });
    expect(lines[0]).not.toHaveProperty('logger');
  });

  it('keeps the level and adds the hint for a security failure', () => {
    const { lines, logger } = capturingLogger();
    const entry = (level: number, message: string) => ({
      namespace: 'Consumer',
      level,
      label: '',
      log: { timestamp: 'now', logger: 'kafkajs', message },
    });
    logKafkaEntry(logger, entry(logLevel.WARN, 'unable to verify the first certificate'));
    logKafkaEntry(logger, entry(logLevel.DEBUG, 'fetching'));
    expect(lines.map((line) => [line['level'], line['hint'] !== undefined])).toEqual([
      [40, true],
      [20, false],
    ]);
  });
});
