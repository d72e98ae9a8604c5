/**
 * What the log says when Kafka is down, and when it is fine. Down: a worker pointed at a port where nothing listens
 * retries for 25 s; once it logged a stack trace per attempt at warn and error (38 of 45 lines in 30 s). Now each
 * cause is said at most once a minute, no line above debug holds a stack, readiness names Kafka, and every attempt is
 * still at debug. Fine: two starts on the same topics (the second meets TOPIC_ALREADY_EXISTS on every topic) log
 * nothing from the Kafka client at warn or above, and "connected to Kafka" once each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/support/index.js';
import { KAFKA_CLIENT_LOG_FIELD } from '../../src/kafka/index.js';
import { startHarness, type Harness } from '../support/connector-harness.js';
import { uniqueTopic } from '../support/kafka.js';

const WARN = 40;
const DEBUG = 20;
/** Long enough for a handful of connect attempts under the default backoff (kafka.retry: 500 ms doubling to 10 s). */
const DOWN_FOR_MS = 25_000;
/** What the log promises: the first line of a cause at once, then at most one a minute. */
const REPEAT_INTERVAL_MS = 60_000;

let harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.map((harness) => harness.dispose()));
  harnesses = [];
});

type Line = Record<string, unknown>;
const level = (line: Line): number => line['level'] as number;
/** One cause: what was said, about which broker, and why. */
const causeOf = (line: Line): string => [line['msg'], line['broker'], line['error']].map(String).join(' | ');

describe('the log with Kafka down', () => {
  it('says each cause at most once a minute, without stack traces, while readiness names Kafka', async () => {
    const port = await freePort();
    const harness = await startHarness({ userCount: 5, brokers: [`127.0.0.1:${port}`] });
    harnesses.push(harness);
    const started = Date.now();
    const starting = harness.worker.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    await sleep(DOWN_FOR_MS);
    const elapsedMs = Date.now() - started;
    const logs = [...harness.logs];
    const rawLogs = [...harness.rawLogs];

    const health = harness.worker.health();
    expect(health.ready).toBe(false);
    expect(health.reasons).toContainEqual(expect.stringMatching(/^Kafka not connected yet/));
    expect(health.reasons).toContainEqual(expect.stringMatching(/^Kafka sends failing .*ECONNREFUSED/));

    // It really kept failing: every attempt is at debug, the sink's and the client's.
    const attempts = logs.filter(
      (line) => level(line) === DEBUG && line['msg'] === 'Kafka not reachable yet; retrying',
    );
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(logs.filter((line) => level(line) === DEBUG && KAFKA_CLIENT_LOG_FIELD in line).length).toBeGreaterThan(
      attempts.length,
    );

    const loud = logs.filter((line) => level(line) >= WARN);
    const perCause = new Map<string, number>();
    for (const line of loud) perCause.set(causeOf(line), (perCause.get(causeOf(line)) ?? 0) + 1);
    const allowed = 1 + Math.floor(elapsedMs / REPEAT_INTERVAL_MS);
    const tooOften = [...perCause].filter(([, count]) => count > allowed);
    expect(tooOften, `causes said more than ${allowed} times in ${elapsedMs} ms`).toEqual([]);
    // The connector's retry and the client's connection failure; a few more causes at most, never a flood.
    expect(loud.map((line) => line['msg'])).toContain('Kafka not reachable yet; retrying');
    expect(loud.some((line) => line[KAFKA_CLIENT_LOG_FIELD] === 'Connection')).toBe(true);
    expect(loud.length).toBeLessThanOrEqual(6);
    for (const line of loud) expect(line['level'], JSON.stringify(line)).toBe(WARN);

    const stacks = rawLogs.filter((raw) => raw.includes('    at ') && level(JSON.parse(raw) as Line) > DEBUG);
    expect(stacks).toEqual([]);
    // The stacks are not lost: they are at debug.
    expect(rawLogs.some((raw) => raw.includes('    at '))).toBe(true);

    await harness.worker.stop();
    expect(await starting).toBeDefined();
  });
});

describe('the log with Kafka up', () => {
  it('logs nothing from the Kafka client at warn or above for topics that exist or the partitioner, and "connected" once', async () => {
    const connectorName = `logs-${uniqueTopic('c').slice(-8)}`;
    const topic = uniqueTopic('presence');
    for (const run of ['creates the topics', 'finds them there']) {
      const harness = await startHarness({ userCount: 5, connectorName, settings: { kafka: { topic } } });
      harnesses.push(harness);
      await harness.worker.start();
      await harness.waitForRequests(2);
      await harness.worker.stop();

      const fromClient = harness.logs.filter((line) => KAFKA_CLIENT_LOG_FIELD in line);
      const loud = fromClient.filter((line) => level(line) >= WARN);
      expect(loud, `${run}: ${JSON.stringify(loud)}`).toEqual([]);
      // Kept at debug, not lost: the notice of the retries we bound on purpose.
      expect(fromClient.some((line) => String(line['msg']).startsWith('Limiting retries'))).toBe(true);
      expect(harness.logs.filter((line) => line['msg'] === 'connected to Kafka')).toHaveLength(1);
    }
    // The second start met the topics of the first: kafkajs's "Topic creation errors" answer, at debug.
    const second = harnesses[1]?.logs ?? [];
    expect(second).toContainEqual(
      expect.objectContaining({ level: DEBUG, error: 'Topic creation errors', [KAFKA_CLIENT_LOG_FIELD]: 'Connection' }),
    );
  });
});
