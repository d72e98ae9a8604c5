import { afterAll, describe, expect, it } from 'vitest';
import { derivedTopic, topicClashes } from '../../src/config/schema-outputs.js';
import { fixture, minimalLines, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

const on = { enabled: true };

/** The minimal config with its kafka section replaced by these lines. */
function withKafka(...kafka: string[]): string[] {
  const lines = minimalLines();
  return [...lines.slice(0, 3), 'kafka:', '  brokers: [b:9092]', ...kafka, ...lines.slice(5)];
}

describe('the table and watermark topics', () => {
  it('take their default names from the change topic, so two connectors never share them', () => {
    expect(derivedTopic('teams.presence.changes', 'current')).toBe('teams.presence.current');
    expect(derivedTopic('teams.presence.changes', 'watermarks')).toBe('teams.presence.watermarks');
    expect(derivedTopic('hr-presence', 'current')).toBe('hr-presence.current');
  });

  it('are both on by default, with the change topic partition count for the table', () => {
    const config = fixture(withKafka('  topic: hr.changes', '  partitions: 3')).load();
    expect(config.kafka.table).toEqual({ topic: 'hr.current', partitions: 3 });
    expect(config.kafka.watermarkTopic).toBe('hr.watermarks');
  });

  it('can be switched off or renamed one by one', () => {
    const lines = withKafka('  table: { topic: presence.table, partitions: 24 }', '  watermarks: { enabled: false }');
    const config = fixture(lines).load();
    expect(config.kafka.table).toEqual({ topic: 'presence.table', partitions: 24 });
    expect(config.kafka.watermarkTopic).toBeUndefined();
    const off = fixture(
      lines,
      {},
      {
        PRESENCE_TENANT_CLIENT_SECRET: 's',
        PRESENCE_KAFKA_TABLE_ENABLED: 'false',
      },
    ).load();
    expect(off.kafka.table).toBeUndefined();
  });

  it('refuses an output on a topic another output uses, naming both settings and the line', () => {
    const lines = withKafka('  table:', '    topic: teams.presence.changes');
    expect(fixture(lines).lines()).toEqual([
      expect.stringMatching(
        /^config\.yaml:7:12 kafka\.table\.topic: "teams\.presence\.changes" is also kafka\.topic: every output needs a topic of its own$/,
      ),
    ]);
  });

  it('lets a disabled output keep any name, and finds a clash among explicit names only where they meet', () => {
    expect(topicClashes({ topic: 'a', table: { enabled: false, topic: 'a' }, watermarks: on })).toEqual([]);
    expect(topicClashes({ topic: 'a', table: on, watermarks: { enabled: true, topic: 's' }, stateTopic: 's' })).toEqual(
      [{ path: ['stateTopic'], message: '"s" is also kafka.watermarks.topic: every output needs a topic of its own' }],
    );
  });
});
