import { afterAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/index.js';
import { CLIENT_ID, fixture, guid, minimalLines, removeTempDirs, SECRET_VALUE } from './support.js';

afterAll(removeTempDirs);

describe('validation: each problem with its exact place', () => {
  it('a bad GUID in an inline list points at the item', () => {
    const { lines } = fixture([
      'tenant:', // 1
      '  id: contoso.onmicrosoft.com', // 2
      `  clientId: ${CLIENT_ID}`, // 3
      'kafka:', // 4
      '  brokers: [localhost:9092]', // 5
      'shards:', // 6
      '  - name: emea', // 7
      `    users: [${guid(1)}]`, // 8
      '  - name: amer', // 9
      '    users:', // 10
      `    - ${guid(2)}`, // 11
      `    - ${guid(3)}`, // 12
      `    - ${guid(4)}`, // 13
      '    - abc', // 14
    ]);
    expect(lines()).toEqual(['config.yaml:14:7 shards[1].users[3]: "abc" is not a GUID']);
  });

  it.each([
    [
      '  id: common',
      'config.yaml:2:7 tenant.id: "common" cannot be used for app-only access: give the tenant GUID or a verified domain',
    ],
    [
      '  id: not a domain',
      'config.yaml:2:7 tenant.id: "not a domain" is neither a tenant GUID nor a domain name (e.g. contoso.onmicrosoft.com)',
    ],
  ])('tenant.id %s', (line, expected) => {
    const lines = minimalLines();
    lines[1] = line;
    expect(fixture(lines).lines()).toEqual([expected]);
  });

  it('tenant.clientId must be a GUID; a missing one points at tenant:', () => {
    const bad = minimalLines();
    bad[2] = '  clientId: 1234';
    expect(fixture(bad).lines()).toEqual(['config.yaml:3:13 tenant.clientId: expected a string, got 1234']);
    const missing = minimalLines();
    missing[2] = '  # clientId: later';
    expect(fixture(missing).lines()).toEqual(['config.yaml:1:1 tenant.clientId: is required']);
  });

  it('numbers: range, integer, type', () => {
    const { lines } = fixture([
      ...minimalLines(),
      'graph:', // 9
      '  batchSize: 651', // 10
      '  concurrency: 0', // 11
      '  requestTimeoutMs: 1.5', // 12
      '  requestBudget:', // 13
      '    maxRequests: "1500"', // 14
      'observability:', // 15
      '  httpPort: 70000', // 16
    ]);
    expect(lines()).toEqual([
      'config.yaml:10:14 graph.batchSize: must be at most 650 (got 651)',
      'config.yaml:11:16 graph.concurrency: must be at least 1 (got 0)',
      'config.yaml:12:21 graph.requestTimeoutMs: expected an integer, got 1.5',
      'config.yaml:14:18 graph.requestBudget.maxRequests: expected a number, got "1500"',
      'config.yaml:16:13 observability.httpPort: must be at most 65535 (got 70000)',
    ]);
  });

  it('enums suggest the closest value', () => {
    const { lines } = fixture([...minimalLines(), 'observability:', '  logLevel: warning', 'kafka2: {}']);
    expect(lines()).toEqual([
      'config.yaml:10:13 observability.logLevel: "warning" is not one of: fatal, error, warn, info, debug, trace, silent; did you mean "warn"?',
      'config.yaml:11:1 kafka2: unknown setting "kafka2"; did you mean "kafka"?',
    ]);
  });

  it('cross-field rules: backoff, polling jitter, replication factor', () => {
    const { lines } = fixture([
      ...minimalLines(),
      'graph:', // 9
      '  backoff: { initialMs: 5000, maxMs: 1000 }', // 10
      'polling:', // 11
      '  intervalSeconds: 30', // 12
      '  startJitterSeconds: 31', // 13
      'kafka_:', // 14 (typo, reported too)
      '  replicationFactor: 0', // 15
    ]);
    expect(lines()).toEqual([
      'config.yaml:10:38 graph.backoff.maxMs: must be at least backoff.initialMs (5000)',
      'config.yaml:13:23 polling.startJitterSeconds: must not exceed polling.intervalSeconds (30)',
      'config.yaml:14:1 kafka_: unknown setting "kafka_"; did you mean "kafka"?',
    ]);
    const replication = minimalLines();
    replication.splice(5, 0, '  replicationFactor: 0');
    expect(fixture(replication).lines()).toEqual([
      'config.yaml:6:22 kafka.replicationFactor: must be -1 (broker default) or at least 1',
    ]);
  });

  it('kafka: brokers must be a non-empty list of host:port; topic names are checked', () => {
    const empty = minimalLines();
    empty[4] = '  brokers: []';
    expect(fixture(empty).lines()).toEqual(['config.yaml:5:12 kafka.brokers: must not be empty']);
    const bad = minimalLines();
    bad[4] = '  brokers: [localhost, "[::1]:9092", "kafka:99999"]';
    bad.splice(5, 0, '  topic: "presence changes"');
    expect(fixture(bad).lines()).toEqual([
      'config.yaml:5:13 kafka.brokers[0]: "localhost" is not host:port',
      'config.yaml:5:38 kafka.brokers[2]: "kafka:99999" has an invalid port',
      "config.yaml:6:10 kafka.topic: \"presence changes\" may contain only letters, digits, '.', '_' and '-'",
    ]);
    const missing = minimalLines().filter((line) => !line.includes('brokers'));
    expect(fixture(missing).lines()).toEqual(['config.yaml:4:1 kafka.brokers: is required']);
  });

  it('required top-level sections are named without a line', () => {
    const { lines } = fixture(['connectorName: x'], {}, {});
    expect(lines()).toEqual([
      'config.yaml tenant: is required',
      'config.yaml kafka: is required',
      'config.yaml shards: is required',
    ]);
  });

  it('a section left empty names its required settings at its key', () => {
    const { lines } = fixture([
      'tenant:',
      '  # id: later',
      'kafka:',
      'shards:',
      '  - name: emea',
      `    users: [${guid(1)}]`,
    ]);
    expect(lines()).toEqual([
      'config.yaml:1:1 tenant.id: is required',
      'config.yaml:1:1 tenant.clientId: is required',
      'config.yaml:3:1 kafka.brokers: is required',
    ]);
  });

  it('a rule comparing two settings stays quiet while one of them is invalid', () => {
    const { lines } = fixture([...minimalLines(), 'polling:', '  intervalSeconds: 0', '  startJitterSeconds: 5']);
    expect(lines()).toEqual(['config.yaml:10:20 polling.intervalSeconds: must be at least 1 (got 0)']);
  });

  it('a root that is not a mapping', () => {
    expect(fixture(['- a', '- b']).lines()).toEqual(['config.yaml:1:1: expected a mapping, got a list']);
  });

  it('shards: names, structure and emptiness', () => {
    const { lines } = fixture([
      ...minimalLines(), // shard emea at 7-8
      '  - name: "bad name"', // 9
      `    users: [${guid(3)}]`, // 10
      '  - name: emea', // 11
      `    users: [${guid(4)}]`, // 12
      '  - name: nothing', // 13
      '  - name: hollow', // 14
      '    users: []', // 15
    ]);
    expect(lines()).toEqual([
      "config.yaml:9:11 shards[1].name: \"bad name\" may contain only letters, digits, '.', '_' and '-' (it becomes part of Kafka ids)",
      'config.yaml:11:11 shards[2].name: duplicate shard name "emea"; also used at config.yaml:7:11 shards[0].name',
      'config.yaml:13:5 shards[3]: needs users (inline) or usersFile',
      'config.yaml:14:5 shards[4]: shard "hollow" has no users: users is empty',
    ]);
    expect(fixture([...minimalLines().slice(0, 5), 'shards: []']).lines()).toEqual([
      'config.yaml:6:9 shards: must not be empty',
    ]);
  });
});

describe('validation: unknown keys', () => {
  it('suggests the closest key in the same section', () => {
    const { lines } = fixture([
      ...minimalLines(),
      'graph:',
      '  batchSze: 100',
      '  BatchSize: 100',
      'shard:',
      '  - name: x',
    ]);
    expect(lines()).toEqual([
      'config.yaml:10:3 graph.batchSze: unknown setting "batchSze"; did you mean "batchSize"?',
      'config.yaml:11:3 graph.BatchSize: unknown setting "BatchSize"; did you mean "batchSize"?',
      'config.yaml:12:1 shard: unknown setting "shard"; did you mean "shards"?',
    ]);
  });

  it('points a key written in the wrong section at the right one', () => {
    const { lines } = fixture([...minimalLines(), 'graph:', '  topic: x']);
    expect(lines()).toEqual([
      'config.yaml:10:3 graph.topic: unknown setting "topic" here; did you mean kafka.topic or kafka.table.topic or kafka.watermarks.topic or discovery.topic?',
    ]);
  });

  it('without a near key, lists the known ones', () => {
    const { lines } = fixture([...minimalLines(), 'polling:', '  frobnicate: 1']);
    expect(lines()).toEqual([
      'config.yaml:10:3 polling.frobnicate: unknown setting "frobnicate" (known here: intervalSeconds, startJitterSeconds, resnapshotIntervalHours)',
    ]);
  });

  it('inside a shard', () => {
    const lines = minimalLines();
    lines.push('    userFile: more.txt');
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:9:5 shards[0].userFile: unknown setting "userFile"; did you mean "usersFile"?',
    ]);
  });
});

describe('validation: every problem at once', () => {
  it('collects problems from the file, the environment, the credential and the user files in one error', () => {
    const { problems, message } = fixture(
      [
        'connectorName: "bad name"', // 1
        'tenant:', // 2
        '  id: contoso.onmicrosoft.com', // 3
        '  clientId: nope', // 4
        'graph:', // 5
        '  cloud: usgov', // 6
        '  apiVersion: beta', // 7
        '  batchSize: 9999', // 8
        'kafka:', // 9
        '  brokers: [localhost:9092]', // 10
        '  compresion: gzip', // 11
        'polling:', // 12
        '  intervalSeconds: 0', // 13
        'shards:', // 14
        '  - name: emea', // 15
        '    users: [abc]', // 16
        '  - name: amer', // 17
        '    usersFile: amer.txt', // 18
      ],
      { 'amer.txt': `${guid(1)}\nxyz\n` },
      { PRESENCE_GRAPH_CONCURRENCY: 'many' },
    );
    const found = problems();
    expect(found.map((problem) => [problem.file, problem.line, problem.path])).toEqual([
      ['config.yaml', 1, 'connectorName'],
      ['config.yaml', 2, 'tenant'],
      ['config.yaml', 4, 'tenant.clientId'],
      ['config.yaml', 7, 'graph.apiVersion'],
      ['config.yaml', 8, 'graph.batchSize'],
      ['config.yaml', 11, 'kafka.compresion'],
      ['config.yaml', 13, 'polling.intervalSeconds'],
      ['config.yaml', 16, 'shards[0].users[0]'],
      ['config.yaml', undefined, 'graph.concurrency'],
      ['amer.txt', 2, 'shards[1].usersFile'],
    ]);
    expect(found[1]?.message).toMatch(/^no credential: set the environment variable PRESENCE_TENANT_CLIENT_SECRET/);
    expect(found[8]?.envVar).toBe('PRESENCE_GRAPH_CONCURRENCY');
    const text = message();
    expect(text.split('\n')).toHaveLength(found.length + 1);
    expect(text).toMatch(/^Invalid configuration config\.yaml \(10 problems\):\n/);
    expect(text).toContain('\n  config.yaml:16:13 shards[0].users[0]: "abc" is not a GUID');
    expect(text).toContain('\n  env PRESENCE_GRAPH_CONCURRENCY graph.concurrency: "many" is not an integer');
    expect(text).toContain('\n  amer.txt:2: "xyz" is not a GUID (shard "amer")');
  });

  it('carries structured problems with file, line, column, path and message', () => {
    const lines = minimalLines();
    lines[4] = '  brokers: [localhost:0]';
    const dir = fixture(lines).dir;
    try {
      loadConfig({ file: `${dir}/config.yaml`, env: { PRESENCE_TENANT_CLIENT_SECRET: SECRET_VALUE } });
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(isConnectorError(error, 'CONFIG_INVALID')).toBe(true);
      if (!isConnectorError(error)) throw error;
      expect(error.details.problems).toEqual([
        {
          file: `${dir}/config.yaml`,
          line: 5,
          column: 13,
          path: 'kafka.brokers[0]',
          message: '"localhost:0" has an invalid port',
        },
      ]);
      expect(error.message).not.toContain(SECRET_VALUE);
    }
  });
});
