import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { LogThrottle } from '../../src/kafka/index.js';
import { KafkaFailureLog } from '../../src/sink/kafka-failure-log.js';
import { capturingLogger, retriable } from './fakes.js';

function failureLogAt() {
  const clock = { now: 0 };
  const capture = capturingLogger();
  return { clock, ...capture, failures: new KafkaFailureLog(capture.logger, new LogThrottle(60_000, () => clock.now)) };
}

const REPLAYING = 'Kafka transaction failed; replaying the batch with a new producer';
const refused = () => retriable('Kafka transaction failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092');

describe('KafkaFailureLog', () => {
  it('warns of the first failure with its message and code, and keeps the stack for debug', () => {
    const { failures, lines } = failureLogAt();
    failures.failed(REPLAYING, refused(), { shard: 's1', attempt: 1, retryInMs: 400 });
    expect(lines.map((line) => line['level'])).toEqual([20, 40]);
    expect(lines[0]).toMatchObject({ msg: REPLAYING, err: { stack: expect.stringContaining('    at ') } });
    expect(lines[1]).toEqual(
      expect.objectContaining({
        msg: REPLAYING,
        shard: 's1',
        attempt: 1,
        retryInMs: 400,
        error: 'Kafka transaction failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
        code: ErrorCodes.SINK_UNAVAILABLE,
      }),
    );
    expect(JSON.stringify(lines[1])).not.toContain('    at ');
  });

  it('warns once per cause per interval over all shards, counting the repeats held back', () => {
    const { failures, clock, above, lines } = failureLogAt();
    for (let second = 0; second <= 60; second += 2) {
      clock.now = second * 1000;
      for (const shard of ['s1', 's2', 's3']) failures.failed(REPLAYING, refused(), { shard });
    }
    const warnings = above(20);
    expect(warnings.map((line) => [line['shard'], line['repeats']])).toEqual([
      ['s1', undefined],
      // 30 rounds of three shards in the first minute, less the one logged.
      ['s1', 89],
    ]);
    expect(lines.filter((line) => line['level'] === 20)).toHaveLength(93);
  });

  it('warns at once of another cause, or of the same message meeting another error', () => {
    const { failures, above } = failureLogAt();
    failures.failed(REPLAYING, refused());
    failures.failed(REPLAYING, retriable('Kafka transaction failed: Connection timeout'));
    failures.failed('Kafka not reachable yet; retrying', refused());
    failures.failed(REPLAYING, new ConnectorError(ErrorCodes.KAFKA_REQUEST_FAILED, refused().message));
    expect(above(20)).toHaveLength(4);
  });

  it('says once that it works again, and warns of the next failure at once', () => {
    const { failures, above } = failureLogAt();
    failures.failed(REPLAYING, refused(), { shard: 's1' });
    failures.failed(REPLAYING, refused(), { shard: 's2' });
    failures.recovered(REPLAYING, 'Kafka transactions commit again', { shard: 's1', failedAttempts: 3 });
    failures.recovered(REPLAYING, 'Kafka transactions commit again', { shard: 's2', failedAttempts: 2 });
    failures.failed(REPLAYING, refused(), { shard: 's1' });
    expect(above(20).map((line) => [line['level'], line['msg'], line['shard']])).toEqual([
      [40, REPLAYING, 's1'],
      [30, 'Kafka transactions commit again', 's1'],
      [40, REPLAYING, 's1'],
    ]);
  });

  it('names a plain error by its message, without a code', () => {
    const { failures, above } = failureLogAt();
    failures.failed('reading the directory topic failed; retrying', new TypeError('boom'));
    expect(above(20)[0]).toMatchObject({ error: 'boom' });
    expect(above(20)[0]).not.toHaveProperty('code');
  });
});
