import { Writable } from 'node:stream';
import kafkajs, { type LogEntry } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { classifyKafkaLog, KAFKA_CLIENT_LOG_FIELD, KafkaClientLog } from '../../src/kafka/client-log.js';
import { LogThrottle } from '../../src/kafka/log-throttle.js';

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

/** A mapping on a clock the test moves, with the default interval of a minute. */
function mappingAt() {
  const clock = { now: 0 };
  return { clock, mapping: new KafkaClientLog(new LogThrottle(60_000, () => clock.now)) };
}

const STACK =
  'Error: connect ECONNREFUSED 127.0.0.1:41885\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1637:16)';

/** kafkajs-shaped entries, as kafkajs 2.2 logs them (copied from a run against a port where nothing listens). */
function entry(namespace: string, level: number, message: string, fields: Record<string, unknown> = {}): LogEntry {
  return {
    namespace,
    level,
    label: level === logLevel.ERROR ? 'ERROR' : level === logLevel.WARN ? 'WARN' : 'INFO',
    log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...fields },
  };
}

const refused = (port = 41885) =>
  entry('Connection', logLevel.ERROR, `Connection error: connect ECONNREFUSED 127.0.0.1:${port}`, {
    broker: `127.0.0.1:${port}`,
    clientId: 'presence-connector',
    stack: STACK,
  });
const seedBrokerFailed = entry(
  'BrokerPool',
  logLevel.ERROR,
  'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:41885',
  { retryCount: 0, retryTime: 300 },
);
const topicExists = entry('Connection', logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', {
  broker: '127.0.0.1:9092',
  error: 'Topic creation errors',
  correlationId: 2,
  size: 280,
});
const concurrentTransactions = entry('Connection', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', {
  broker: '127.0.0.1:9092',
  error:
    'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
});
const concurrentTransactionsRetried = entry(
  'Producer',
  logLevel.ERROR,
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  { retryCount: 1, retryTime: 212 },
);
const coordinatorLoading = entry('Connection', logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', {
  broker: '127.0.0.1:9092',
  error: "The coordinator is loading and hence can't process requests for this group",
});
const eosNotice = entry(
  'Producer',
  logLevel.WARN,
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
);
const partitionerNotice = entry(
  '',
  logLevel.WARN,
  'KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning behavior as in previous versions, create the producer with the option "createPartitioner: Partitioners.LegacyPartitioner".',
);
const rebalancing = entry('Runner', logLevel.WARN, 'The group is rebalancing, re-joining', {
  groupId: 'connector.workers',
  error: 'The group is rebalancing, so a rejoin is needed',
});
const unknownMember = entry(
  'Runner',
  logLevel.ERROR,
  'The coordinator is not aware of this member, re-joining the group',
);
const restarting = entry('Consumer', logLevel.ERROR, 'Restarting the consumer in 300ms', { retryTime: 300 });
const crashed = entry(
  'Consumer',
  logLevel.ERROR,
  'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
  { groupId: 'connector.workers', retryCount: 5, stack: STACK },
);
const saslRefused = entry('SASLSCRAMAuthenticator', logLevel.ERROR, 'SASL SCRAM SHA512 authentication failed', {
  broker: 'kafka-1:9094',
});
const joined = entry('ConsumerGroup', logLevel.INFO, 'Consumer has joined the group', { groupId: 'g' });

describe('classifyKafkaLog', () => {
  it.each([
    ['CreateTopics answering TOPIC_ALREADY_EXISTS ("Topic creation errors")', topicExists],
    ['CONCURRENT_TRANSACTIONS in an answer', concurrentTransactions],
    ['CONCURRENT_TRANSACTIONS retried by the producer', concurrentTransactionsRetried],
    ['a coordinator still loading', coordinatorLoading],
    ['the EoS notice of the retries we bound on purpose', eosNotice],
    ['the partitioner notice', partitionerNotice],
    ['a rebalance', rebalancing],
    ['a member re-joining', unknownMember],
    ['the consumer restarting after a crash it logged', restarting],
    ['the seed-broker line that repeats the Connection line', seedBrokerFailed],
    ["kafkajs's info lines", joined],
  ])('keeps %s at debug', (_what, line) => {
    expect(classifyKafkaLog(line)).toEqual({ level: 'debug' });
  });

  it('makes a broker out of reach a warning, keyed by the broker and the cause', () => {
    expect(classifyKafkaLog(refused())).toEqual({
      level: 'warn',
      key: 'Connection|127.0.0.1:41885|Connection error: connect ECONNREFUSED 127.0.0.1:41885',
    });
    expect(classifyKafkaLog(crashed)).toMatchObject({ level: 'warn' });
    expect(
      classifyKafkaLog(entry('Connection', logLevel.ERROR, 'Connection timeout', { broker: 'kafka-2:9092' })),
    ).toMatchObject({ level: 'warn', key: 'Connection|kafka-2:9092|Connection timeout' });
  });

  it('makes a security failure an error, with the hint naming the setting to fix', () => {
    expect(classifyKafkaLog(saslRefused)).toMatchObject({ level: 'error', hint: expect.stringMatching(/kafka\.sasl/) });
  });

  it("keeps kafkajs's level for what it does not know, so nothing new is hidden", () => {
    expect(classifyKafkaLog(entry('Admin', logLevel.ERROR, 'Something unheard of'))).toMatchObject({ level: 'error' });
    expect(classifyKafkaLog(entry('RequestQueue', logLevel.WARN, 'Response without match'))).toMatchObject({
      level: 'warn',
    });
  });

  it('reads an Error that kafkajs logged as the message', () => {
    // kafkajs's types say string; BrokerPool passes the Error itself (`this.logger.error(e, ...)`).
    const error = new Error('Connection error: connect ECONNREFUSED 10.0.0.1:9092') as unknown as string;
    const line = entry('BrokerPool', logLevel.ERROR, error);
    expect(classifyKafkaLog(line)).toMatchObject({ level: 'warn' });
    expect(new KafkaClientLog().map(line).message).toBe('Connection error: connect ECONNREFUSED 10.0.0.1:9092');
  });
});

describe('KafkaClientLog.toPino', () => {
  it('logs every line at debug, stack included, marked as the Kafka client’s own', () => {
    const { lines, logger } = capturingLogger();
    const { mapping } = mappingAt();
    for (const line of [topicExists, eosNotice, refused()]) mapping.toPino(logger, line);
    const debug = lines.filter((line) => line['level'] === 20);
    expect(debug.map((line) => line['msg'])).toEqual([
      'Response CreateTopics(key: 19, version: 3)',
      'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      'Connection error: connect ECONNREFUSED 127.0.0.1:41885',
    ]);
    expect(debug[2]).toMatchObject({ [KAFKA_CLIENT_LOG_FIELD]: 'Connection', stack: STACK });
    expect(debug[0]).not.toHaveProperty('logger');
  });

  it('reports a broker out of reach once per interval at warn, without the stack, with the repeats held back', () => {
    const { lines, logger } = capturingLogger();
    const { clock, mapping } = mappingAt();
    // What 30 s of Kafka down looked like: a Connection line and a BrokerPool line per attempt, every 1.5 s.
    for (let second = 0; second < 90; second += 1.5) {
      clock.now = second * 1000;
      mapping.toPino(logger, refused());
      mapping.toPino(logger, seedBrokerFailed);
    }
    const above = lines.filter((line) => (line['level'] as number) > 20);
    expect(above).toHaveLength(2);
    expect(above[0]).toMatchObject({ level: 40, msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:41885' });
    expect(above[0]).not.toHaveProperty('repeats');
    // 40 attempts in the first minute (0 to 58.5 s): the one logged and 39 held back, reported with the next.
    expect(above[1]).toMatchObject({ level: 40, repeats: 39 });
    for (const line of above) {
      expect(line).not.toHaveProperty('stack');
      expect(JSON.stringify(line)).not.toContain('    at ');
    }
    // Nothing lost: every line is at debug.
    expect(lines.filter((line) => line['level'] === 20)).toHaveLength(120);
  });

  it('reports each broker on its own', () => {
    const { lines, logger } = capturingLogger();
    const { mapping } = mappingAt();
    for (const port of [9092, 9093, 9092, 9093]) mapping.toPino(logger, refused(port));
    const warnings = lines.filter((line) => line['level'] === 40);
    expect(warnings.map((line) => line['broker'])).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
  });

  it('reports a security failure at error with its hint, and its stack only at debug', () => {
    const { lines, logger } = capturingLogger();
    const { mapping } = mappingAt();
    const untrusted = entry('Connection', logLevel.ERROR, 'Connection error: unable to verify the first certificate', {
      broker: 'kafka-1:9093',
      stack: STACK,
    });
    mapping.toPino(logger, untrusted);
    mapping.toPino(logger, untrusted);
    const errors = lines.filter((line) => line['level'] === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ hint: expect.stringMatching(/kafka\.tls\.caFile/), broker: 'kafka-1:9093' });
    expect(errors[0]).not.toHaveProperty('stack');
  });
});

describe('KafkaClientLog.toLine', () => {
  it('hands a callback the first report at its level with the hint, and everything else as debug', () => {
    const { mapping } = mappingAt();
    expect(mapping.toLine(refused())).toEqual({
      level: 'warn',
      namespace: 'Connection',
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:41885',
    });
    expect(mapping.toLine(refused()).level).toBe('debug');
    expect(mapping.toLine(topicExists).level).toBe('debug');
    expect(mapping.toLine(saslRefused)).toMatchObject({
      level: 'error',
      message: expect.stringMatching(/^SASL SCRAM SHA512 authentication failed \(.*kafka\.sasl/),
    });
  });
});
