import { describe, expect, it } from 'vitest';
import { kafkaSchema } from '../../src/config/schema-kafka.js';

function problems(input: unknown): string[] {
  return kafkaSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

const brokers = ['localhost:9092'];

describe('kafka schema', () => {
  it('applies the defaults', () => {
    expect(kafkaSchema.parse({ brokers })).toMatchObject({
      topic: 'teams.presence.changes',
      replicationFactor: -1,
      delivery: 'auto',
      tls: { enabled: false, rejectUnauthorized: true },
    });
  });

  it('needs at least one broker and refuses a replication factor of 0', () => {
    expect(problems({ brokers: [] })).toHaveLength(1);
    expect(problems({ brokers, replicationFactor: 0 })).toEqual([
      'replicationFactor: must be -1 (broker default) or at least 1',
    ]);
  });

  it('reports TLS options given while TLS is off', () => {
    expect(problems({ brokers, tls: { caFile: 'ca.pem', servername: 'kafka.test' } })).toEqual([
      'tls.caFile: has no effect while kafka.tls.enabled is false: set kafka.tls.enabled: true',
      'tls.servername: has no effect while kafka.tls.enabled is false: set kafka.tls.enabled: true',
    ]);
    expect(problems({ brokers, tls: { enabled: true, caFile: 'ca.pem' } })).toEqual([]);
  });

  it('needs a SASL mechanism it knows', () => {
    expect(problems({ brokers, sasl: { mechanism: 'gssapi', username: 'u' } })).toEqual([
      expect.stringMatching(/^sasl.mechanism: /),
    ]);
  });
});
