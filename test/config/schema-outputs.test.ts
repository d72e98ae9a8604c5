import { afterAll, describe, expect, it } from 'vitest';
import { derivedTopic, directoryTopicClashes, topicClashes } from '../../src/config/schema-outputs.js';
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

describe('the directory topic (discovery)', () => {
  /** The minimal config, then a discovery section from line 9 with these lines after its source (line 12 on). */
  function withDiscovery(...discovery: string[]): string[] {
    return [...minimalLines(), 'discovery:', '  sources:', '    - type: tenant', ...discovery];
  }

  it('may not be a topic the connector uses otherwise, defaults included: the problem is at discovery.topic', () => {
    const own = 'every output needs a topic of its own';
    const cases: Array<[string, string]> = [
      ['teams.presence.changes', 'kafka.topic'],
      ['teams.presence.current', 'kafka.table.topic (its default)'],
      ['teams.presence.watermarks', 'kafka.watermarks.topic (its default)'],
      ['presence-connector.presence-state', 'kafka.stateTopic (its default)'],
      ['presence-connector.shards', 'assignment.coordinationTopic (its default)'],
    ];
    for (const [topic, other] of cases) {
      expect(fixture(withDiscovery(`  topic: ${topic}`)).lines(), topic).toEqual([
        `config.yaml:12:10 discovery.topic: "${topic}" is also ${other}: ${own}`,
      ]);
    }
  });

  it('is reported at the other setting when only that one was written out', () => {
    const lines = withDiscovery('assignment:', '  coordinationTopic: presence-connector.directory');
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:13:22 assignment.coordinationTopic: "presence-connector.directory" is also discovery.topic (its default, <connectorName>.directory): every output needs a topic of its own',
    ]);
    // Without discovery there is no directory topic to clash with.
    expect(fixture([...minimalLines(), ...lines.slice(11)]).load().assignment.coordinationTopic).toBe(
      'presence-connector.directory',
    );
  });

  it('lets a disabled output keep its name', () => {
    const lines = withDiscovery('  topic: teams.presence.current');
    const env = { PRESENCE_TENANT_CLIENT_SECRET: 's', PRESENCE_KAFKA_TABLE_ENABLED: 'false' };
    expect(fixture(lines, {}, env).load().discovery?.topic).toBe('teams.presence.current');
  });

  it('is checked from names alone, with absolute paths', () => {
    const kafka = { topic: 'a', table: on, watermarks: on, stateTopic: 'dir' };
    const names = { connectorName: 'c', kafka, assignment: {} };
    expect(directoryTopicClashes({ ...names, directory: { topic: 'dir', resolved: 'dir' } })).toEqual([
      {
        path: ['discovery', 'topic'],
        message: '"dir" is also kafka.stateTopic: every output needs a topic of its own',
      },
    ]);
    expect(directoryTopicClashes({ ...names, directory: { topic: undefined, resolved: 'c.directory' } })).toEqual([]);
  });
});
