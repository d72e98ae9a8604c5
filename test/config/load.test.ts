import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/errors.js';
import { formatProblem, loadConfig, Secret, type ConfigProblem } from '../../src/config/index.js';
import {
  CLIENT_ID,
  fixture,
  guid,
  minimalLines,
  removeTempDirs,
  SECRET_ENV,
  SECRET_VALUE,
  tempDir,
  writeFiles,
} from './support.js';

afterAll(removeTempDirs);

describe('loadConfig: a valid minimal config', () => {
  it('fills every default and resolves the global cloud', () => {
    const { dir, load } = fixture(minimalLines());
    const config = load();

    expect(config.configFile).toBe(path.join(dir, 'config.yaml'));
    expect(config.connectorName).toBe('presence-connector');
    expect(config.tenant).toMatchObject({
      id: 'contoso.onmicrosoft.com',
      clientId: CLIENT_ID,
      credentialSource: 'env PRESENCE_TENANT_CLIENT_SECRET',
    });
    expect(config.tenant.clientSecret).toBeInstanceOf(Secret);
    expect(config.tenant.clientSecret?.reveal()).toBe(SECRET_VALUE);
    expect(config.tenant.certificate).toBeUndefined();
    expect(config.graph).toEqual({
      cloud: 'global',
      graphUrl: 'https://graph.microsoft.com',
      authorityUrl: 'https://login.microsoftonline.com',
      scope: 'https://graph.microsoft.com/.default',
      apiVersion: 'v1.0',
      batchSize: 650,
      concurrency: 4,
      requestTimeoutMs: 30_000,
      requestBudget: { maxRequests: 1500, windowSeconds: 30, adaptive: true, recoverySeconds: 300 },
      backoff: { initialMs: 1000, maxMs: 60_000, maxAttempts: 5 },
    });
    expect(config.kafka).toEqual({
      brokers: ['localhost:9092'],
      clientId: 'presence-connector',
      topic: 'teams.presence.changes',
      partitions: 6,
      replicationFactor: -1,
      compression: 'gzip',
      headers: 'cloudevents',
      maxBufferedEvents: 50_000,
      requestTimeoutMs: 30_000,
      connectionTimeoutMs: 10_000,
      delivery: 'auto',
      stateTopic: 'presence-connector.presence-state',
      statePartitions: 12,
      table: { topic: 'teams.presence.current', partitions: 6 },
      watermarkTopic: 'teams.presence.watermarks',
      transactionTimeoutMs: 60_000,
      retry: { initialMs: 500, maxMs: 10_000 },
    });
    expect(config.assignment).toEqual({
      mode: 'dynamic',
      coordinationTopic: 'presence-connector.shards',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
    });
    expect(config.polling).toEqual({ intervalSeconds: 60, startJitterSeconds: 10, resnapshotIntervalHours: 0 });
    expect(config.shutdown).toEqual({ timeoutSeconds: 15 });
    expect(config.observability).toMatchObject({ logLevel: 'info', httpPort: 9464 });
    expect(config.shards).toEqual([{ name: 'emea', userIds: [guid(1), guid(2)] }]);
  });

  it('lowercases GUIDs and the tenant domain; kafka.clientId follows connectorName unless set', () => {
    const upper = guid(0xabc).toUpperCase();
    const lines = minimalLines([upper]);
    lines[0] = 'connectorName: presence-eu';
    lines.splice(1, 0, 'tenant:');
    lines[2] = '  id: Contoso.OnMicrosoft.com';
    lines[3] = `  clientId: ${CLIENT_ID.toUpperCase()}`;
    const config = fixture(lines).load();
    expect(config.tenant.id).toBe('contoso.onmicrosoft.com');
    expect(config.tenant.clientId).toBe(CLIENT_ID);
    expect(config.shards[0]?.userIds).toEqual([guid(0xabc)]);
    expect(config.kafka.clientId).toBe('presence-eu');

    const explicit = fixture([...minimalLines(), 'connectorName: presence-eu']).load({
      env: { ...SECRET_ENV, PRESENCE_KAFKA_CLIENT_ID: 'custom-client' },
    });
    expect(explicit.kafka.clientId).toBe('custom-client');
  });

  it('reads a JSON config file', () => {
    const json = JSON.stringify({
      tenant: { id: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: CLIENT_ID },
      kafka: { brokers: ['k1:9092', 'k2:9093'] },
      graph: { batchSize: 100 },
      shards: [{ name: 'all', users: [guid(7)] }],
    });
    const dir = tempDir();
    writeFiles(dir, { 'config.json': json });
    const config = loadConfig({ file: path.join(dir, 'config.json'), env: SECRET_ENV });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(config.graph.batchSize).toBe(100);
    expect(config.tenant.id).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
  });

  it('treats `key:` with no value as not set', () => {
    const config = fixture([
      ...minimalLines(),
      'graph:',
      '  # everything commented out',
      'polling:',
      '  intervalSeconds:',
    ]).load();
    expect(config.graph.batchSize).toBe(650);
    expect(config.polling.intervalSeconds).toBe(60);
  });

  it('throws CONFIG_FILE_UNREADABLE naming the path and the OS reason', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope.yaml');
    let thrown: unknown;
    try {
      loadConfig({ file: missing, env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectorError);
    const error = thrown as ConnectorError;
    expect(error.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('ENOENT');
    expect(error.details).toMatchObject({ file: missing });
  });

  it('reports a directory given as config file as unreadable', () => {
    const dir = tempDir();
    expect(() => loadConfig({ file: dir, env: {} })).toThrow(/EISDIR/);
  });
});

describe('loadConfig: clouds', () => {
  it.each([
    ['global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com'],
    ['usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us'],
    ['usgov-dod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us'],
  ])('%s derives the Graph and authority hosts and the scope', (cloud, graphUrl, authorityUrl) => {
    const config = fixture([...minimalLines(), 'graph:', `  cloud: ${cloud}`]).load();
    expect(config.graph.cloud).toBe(cloud);
    expect(config.graph.graphUrl).toBe(graphUrl);
    expect(config.graph.authorityUrl).toBe(authorityUrl);
    expect(config.graph.scope).toBe(`${graphUrl}/.default`);
  });

  it('custom takes graphUrl and authorityUrl, normalised to origins', () => {
    const config = fixture([
      ...minimalLines(),
      'graph:',
      '  cloud: custom',
      '  graphUrl: https://Localhost:8443/',
      '  authorityUrl: https://localhost:8443',
      '  apiVersion: beta',
    ]).load();
    expect(config.graph).toMatchObject({
      cloud: 'custom',
      graphUrl: 'https://localhost:8443',
      authorityUrl: 'https://localhost:8443',
      scope: 'https://localhost:8443/.default',
      apiVersion: 'beta',
    });
  });

  it('custom without URLs, and URLs on a national cloud, are errors at the right lines', () => {
    const custom = fixture([...minimalLines(), 'graph:', '  cloud: custom']);
    expect(custom.lines()).toEqual([
      'config.yaml:9:1 graph.graphUrl: is required when graph.cloud is custom',
      'config.yaml:9:1 graph.authorityUrl: is required when graph.cloud is custom',
    ]);
    const national = fixture([...minimalLines(), 'graph:', '  cloud: usgov', '  graphUrl: https://graph.microsoft.us']);
    expect(national.lines()).toEqual([
      'config.yaml:11:13 graph.graphUrl: is only allowed when graph.cloud is custom (the usgov cloud uses https://graph.microsoft.us)',
    ]);
  });

  it('custom URLs must be https origins', () => {
    const { lines } = fixture([
      ...minimalLines(),
      'graph:', // 9
      '  cloud: custom', // 10
      '  graphUrl: http://localhost:8080', // 11
      '  authorityUrl: https://login.example.com/contoso', // 12
    ]);
    expect(lines()).toEqual([
      'config.yaml:11:13 graph.graphUrl: must use https (got http)',
      'config.yaml:12:17 graph.authorityUrl: must be a host only, like https://login.example.com (no path, query or fragment)',
    ]);
  });

  it.each(['usgov', 'usgov-dod'])('beta is an error on %s', (cloud) => {
    const { lines } = fixture([...minimalLines(), 'graph:', `  cloud: ${cloud}`, '  apiVersion: beta']);
    expect(lines()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^config\\.yaml:11:15 graph\\.apiVersion: beta is not offered in the .* cloud \\(${cloud}\\); use v1\\.0$`,
        ),
      ),
    ]);
  });

  it('beta is fine on the global cloud', () => {
    expect(fixture([...minimalLines(), 'graph:', '  apiVersion: beta']).load().graph.apiVersion).toBe('beta');
  });

  it('an unknown cloud name lists the choices', () => {
    const { lines } = fixture([...minimalLines(), 'graph:', '  cloud: china']);
    expect(lines()).toEqual(['config.yaml:10:10 graph.cloud: "china" is not one of: global, usgov, usgov-dod, custom']);
  });
});

describe('loadConfig: requireCredentials false (commands that never sign in to Graph)', () => {
  it('neither requires nor reads the tenant credential, and says so in credentialSource', () => {
    const { load, lines } = fixture(minimalLines(), {}, {});
    expect(lines()[0]).toMatch(/tenant: no credential: set the environment variable PRESENCE_TENANT_CLIENT_SECRET/);
    const config = load({ requireCredentials: false });
    expect(config.tenant).toEqual({
      id: 'contoso.onmicrosoft.com',
      clientId: CLIENT_ID,
      credentialSource: 'not read: this command does not sign in to Graph',
    });
    // A secret file that is missing, or set twice, is not looked at either.
    const withFile = [...minimalLines().slice(0, 3), '  clientSecretFile: missing-secret', ...minimalLines().slice(3)];
    const twice = fixture(withFile, {}, SECRET_ENV);
    expect(twice.lines()).toEqual([expect.stringMatching(/tenant\.clientSecretFile: set either/)]);
    expect(twice.load({ requireCredentials: false }).tenant.clientSecret).toBeUndefined();
  });

  it('still refuses a secret written in the file, and checks everything else', () => {
    const { lines } = fixture([...minimalLines(), 'graph:', '  batchSize: 651'], {}, {});
    expect(lines({ requireCredentials: false })).toEqual([
      'config.yaml:10:14 graph.batchSize: must be at most 650 (got 651)',
    ]);
    const literal = fixture(
      [
        'tenant:',
        '  id: contoso.onmicrosoft.com',
        `  clientId: ${CLIENT_ID}`,
        '  clientSecret: oops',
        ...minimalLines().slice(3),
      ],
      {},
      {},
    );
    expect(literal.lines({ requireCredentials: false })).toEqual([
      expect.stringMatching(/^config\.yaml:4:3 tenant\.clientSecret: secrets must not be written in the config file/),
    ]);
  });
});

describe('loadConfig: warnings', () => {
  it('tells of PRESENCE_* variables that name no setting, before validating, and loads as if they were not set', () => {
    const warnings: string[] = [];
    const onWarning = (warning: ConfigProblem): void => void warnings.push(formatProblem(warning));
    const env = { ...SECRET_ENV, PRESENCE_POLLING_INTERVALSECONDS: '120', PRESENCE_KAFKA_BROKERS: 'k:9092' };
    const config = fixture(minimalLines()).load({ env, onWarning });
    expect(config.polling.intervalSeconds).toBe(60);
    expect(warnings).toEqual([
      'env PRESENCE_POLLING_INTERVALSECONDS: unknown variable, ignored; did you mean PRESENCE_POLLING_INTERVAL_SECONDS?',
    ]);
    // Also when the load then fails: the misspelt name may be why a setting is missing.
    warnings.length = 0;
    const failing = fixture(minimalLines(), {}, {});
    expect(() => failing.load({ env: { PRESENCE_TENANT_CLIENT_SECRT: 'x' }, onWarning })).toThrow(/no credential/);
    expect(warnings).toEqual([
      'env PRESENCE_TENANT_CLIENT_SECRT: unknown variable, ignored; did you mean PRESENCE_TENANT_CLIENT_SECRET?',
    ]);
  });
});
