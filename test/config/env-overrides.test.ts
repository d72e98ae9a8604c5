import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/config/index.js';
import { unknownEnvWarnings } from '../../src/config/env-overrides.js';
import { settingLeaves } from '../../src/config/settings.js';
import { fixture, guid, minimalLines, removeTempDirs, SECRET_ENV, writeFiles } from './support.js';

afterAll(removeTempDirs);

describe('environment overrides', () => {
  const base = [...minimalLines(), 'graph:', '  batchSize: 300', 'polling:', '  intervalSeconds: 120'];

  it('parse numbers, nested settings, enums and comma lists, and win over the file', () => {
    const config = fixture(base).load({
      env: {
        ...SECRET_ENV,
        PRESENCE_GRAPH_BATCH_SIZE: ' 100 ',
        PRESENCE_GRAPH_REQUEST_BUDGET_MAX_REQUESTS: '10000',
        PRESENCE_GRAPH_CLOUD: 'usgov-dod',
        PRESENCE_KAFKA_BROKERS: 'k1:9092, k2:9093,,[::1]:9094',
        PRESENCE_KAFKA_REPLICATION_FACTOR: '-1',
        PRESENCE_OBSERVABILITY_LOG_LEVEL: 'debug',
        PRESENCE_CONNECTOR_NAME: 'presence-eu',
      },
    });
    expect(config.graph.batchSize).toBe(100);
    expect(config.graph.requestBudget).toEqual({
      maxRequests: 10_000,
      windowSeconds: 30,
      adaptive: true,
      recoverySeconds: 300,
    });
    expect(config.graph.cloud).toBe('usgov-dod');
    expect(config.graph.graphUrl).toBe('https://dod-graph.microsoft.us');
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9093', '[::1]:9094']);
    expect(config.kafka.replicationFactor).toBe(-1);
    expect(config.observability.logLevel).toBe('debug');
    expect(config.connectorName).toBe('presence-eu');
    expect(config.kafka.clientId).toBe('presence-eu');
    expect(config.polling.intervalSeconds).toBe(120);
  });

  it('empty variables count as unset', () => {
    const config = fixture(base).load({
      env: { ...SECRET_ENV, PRESENCE_GRAPH_BATCH_SIZE: '', PRESENCE_KAFKA_BROKERS: '  ' },
    });
    expect(config.graph.batchSize).toBe(300);
    expect(config.kafka.brokers).toEqual(['localhost:9092']);
  });

  it('supply settings the file does not have, including whole sections', () => {
    const lines = minimalLines().filter((line) => !line.startsWith('kafka') && !line.includes('brokers'));
    const config = fixture(lines).load({
      env: { ...SECRET_ENV, PRESENCE_KAFKA_BROKERS: 'broker:9092', PRESENCE_SHUTDOWN_TIMEOUT_SECONDS: '30' },
    });
    expect(config.kafka.brokers).toEqual(['broker:9092']);
    expect(config.shutdown.timeoutSeconds).toBe(30);
  });

  it('name the variable when its value is wrong', () => {
    const { lines } = fixture(base);
    expect(
      lines({
        env: {
          ...SECRET_ENV,
          PRESENCE_GRAPH_BATCH_SIZE: 'lots',
          PRESENCE_GRAPH_CONCURRENCY: '2.5',
          PRESENCE_POLLING_INTERVAL_SECONDS: '0',
          PRESENCE_GRAPH_API_VERSION: 'v2',
          PRESENCE_KAFKA_BROKERS: 'ok:1,broken',
        },
      }),
    ).toEqual([
      'env PRESENCE_GRAPH_BATCH_SIZE graph.batchSize: "lots" is not an integer',
      'env PRESENCE_GRAPH_CONCURRENCY graph.concurrency: "2.5" is not an integer',
      'env PRESENCE_GRAPH_API_VERSION graph.apiVersion: "v2" is not one of: v1.0, beta',
      'env PRESENCE_KAFKA_BROKERS kafka.brokers[1]: "broken" is not host:port',
      'env PRESENCE_POLLING_INTERVAL_SECONDS polling.intervalSeconds: must be at least 1 (got 0)',
    ]);
  });

  it('do not touch shards (file only)', () => {
    const config = fixture(minimalLines()).load({
      env: { ...SECRET_ENV, PRESENCE_SHARDS: '[]', PRESENCE_SHARDS_NAME: 'x' },
    });
    expect(config.shards).toEqual([{ name: 'emea', userIds: [guid(1), guid(2)] }]);
  });

  it('resolve relative paths from the environment against the working directory, from the file against its directory', () => {
    const { dir, load } = fixture([...minimalLines(), '  - name: amer', '    usersFile: amer.txt'], {
      'amer.txt': `${guid(3)}\n`,
      'secrets/client-secret': 'from-file\n',
    });
    writeFiles(path.join(dir, 'elsewhere'), { 'amer.txt': 'not used' });
    const config = load({
      cwd: path.join(dir, 'elsewhere'),
      file: path.join(dir, 'config.yaml'),
      env: { PRESENCE_TENANT_CLIENT_SECRET_FILE: '../secrets/client-secret' },
    });
    expect(config.tenant.clientSecret?.reveal()).toBe('from-file');
    expect(config.shards[1]?.userIds).toEqual([guid(3)]);
  });
});

describe('unknown PRESENCE_* variables', () => {
  const warnings = (env: Record<string, string>): string[] =>
    unknownEnvWarnings(env, 'config.yaml').map((warning) => formatProblem(warning));

  it('are ignored with a warning, like a misspelt key in the file, with the variable meant', () => {
    expect(
      warnings({
        PRESENCE_POLLING_INTERVALSECONDS: '30',
        PRESENCE_KAFKA_BROKER: 'k:9092',
        PRESENCE_TENANT_CLIENT_SECRET_FILES: '/run/secrets/x',
        presence_graph_batch_size: '100',
        PRESENCE_NOTHING_LIKE_IT: 'x',
      }),
    ).toEqual([
      'env PRESENCE_KAFKA_BROKER: unknown variable, ignored; did you mean PRESENCE_KAFKA_BROKERS?',
      'env PRESENCE_NOTHING_LIKE_IT: unknown variable, ignored: no setting has this name (docs/configuration.md lists them)',
      'env PRESENCE_POLLING_INTERVALSECONDS: unknown variable, ignored; did you mean PRESENCE_POLLING_INTERVAL_SECONDS?',
      'env PRESENCE_TENANT_CLIENT_SECRET_FILES: unknown variable, ignored; did you mean PRESENCE_TENANT_CLIENT_SECRET_FILE?',
      'env presence_graph_batch_size: unknown variable, ignored; did you mean PRESENCE_GRAPH_BATCH_SIZE?',
    ]);
  });

  it('say so for a setting of the config file only', () => {
    expect(
      warnings({ PRESENCE_SHARDS: '[]', PRESENCE_SHARDS_NAME: 'x', PRESENCE_DISCOVERY_SOURCES: 'tenant' }),
    ).toEqual([
      'env PRESENCE_DISCOVERY_SOURCES: ignored: discovery.sources is set in the config file only',
      'env PRESENCE_SHARDS: ignored: shards is set in the config file only',
      'env PRESENCE_SHARDS_NAME: ignored: shards[].name is set in the config file only',
    ]);
  });

  it('leave alone every variable of a setting (secrets too), empty ones, and variables of others', () => {
    const every = Object.fromEntries(
      settingLeaves().flatMap((leaf) => (leaf.envVar === null ? [] : [[leaf.envVar, 'x']])),
    );
    expect(every).toHaveProperty('PRESENCE_TENANT_CLIENT_SECRET');
    expect(every).toHaveProperty('PRESENCE_KAFKA_SASL_PASSWORD');
    expect(every).toHaveProperty('PRESENCE_SCHEMA_REGISTRY_API_KEY');
    expect(warnings({ ...every, PRESENCE_TYPO_BUT_EMPTY: ' ', PATH: '/bin', PRESENCEX: '1' })).toEqual([]);
  });

  it('never include one the project itself sets: the scripts, the image and compose use settings only', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const files = [
      'Dockerfile',
      'docker-compose.yml',
      ...readdirSync(path.join(root, 'scripts'), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => path.join('scripts', file)),
      ...readdirSync(path.join(root, 'docs', 'examples')).map((file) => path.join('docs', 'examples', file)),
    ];
    const used = new Set(
      files.flatMap((file) => [
        ...readFileSync(path.join(root, file), 'utf8').matchAll(/\bPRESENCE_[A-Z0-9_]*[A-Z0-9]\b/g),
      ]),
    );
    const names = [...used].map((match) => match[0]);
    expect(names).toContain('PRESENCE_TENANT_CLIENT_SECRET');
    expect(warnings(Object.fromEntries(names.map((name) => [name, 'x'])))).toEqual([]);
  });

  it('reach the caller of loadConfig, which loads as if they were not set', () => {
    const seen: string[] = [];
    const config = fixture(minimalLines()).load({
      env: { ...SECRET_ENV, PRESENCE_POLLING_INTERVALSECONDS: '30' },
      onWarning: (warning) => seen.push(warning.envVar ?? ''),
    });
    expect(config.polling.intervalSeconds).toBe(60);
    expect(seen).toEqual(['PRESENCE_POLLING_INTERVALSECONDS']);
  });
});
