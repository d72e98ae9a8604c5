import { describe, expect, it } from 'vitest';
import { configSchema, describeSections, describeSettings, envVarName } from '../../src/config/index.js';
import { leafAt, objectKeysAt, screamingSnake } from '../../src/config/settings.js';
import { CLIENT_ID, guid } from './support.js';

describe('environment variable names', () => {
  it('are PRESENCE_ + the setting path in SCREAMING_SNAKE_CASE', () => {
    expect(envVarName(['kafka', 'brokers'])).toBe('PRESENCE_KAFKA_BROKERS');
    expect(envVarName(['graph', 'requestBudget', 'maxRequests'])).toBe('PRESENCE_GRAPH_REQUEST_BUDGET_MAX_REQUESTS');
    expect(envVarName(['tenant', 'certificate', 'thumbprintSha256'])).toBe(
      'PRESENCE_TENANT_CERTIFICATE_THUMBPRINT_SHA256',
    );
    expect(envVarName(['connectorName'])).toBe('PRESENCE_CONNECTOR_NAME');
  });

  it('exist for every leaf setting except the lists of objects (shards, discovery sources), and are unique', () => {
    const settings = describeSettings();
    const byPath = new Map(settings.map((setting) => [setting.path, setting.env]));
    expect(byPath.get('kafka.brokers')).toBe('PRESENCE_KAFKA_BROKERS');
    expect(byPath.get('tenant.clientSecret')).toBe('PRESENCE_TENANT_CLIENT_SECRET');
    expect(byPath.get('tenant.clientSecretFile')).toBe('PRESENCE_TENANT_CLIENT_SECRET_FILE');
    expect(byPath.get('tenant.certificate.privateKey')).toBe('PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY');
    expect(byPath.get('tenant.certificate.privateKeyFile')).toBe('PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY_FILE');
    expect(byPath.get('shards[].name')).toBeNull();
    expect(byPath.get('shards[].usersFile')).toBeNull();
    expect(byPath.get('discovery.sources[].groupId')).toBeNull();
    expect(byPath.get('discovery.intervalSeconds')).toBe('PRESENCE_DISCOVERY_INTERVAL_SECONDS');

    const names = settings.flatMap((setting) => (setting.env === null ? [] : [setting.env]));
    const fileOnly = (path: string): boolean => path.startsWith('shards') || path.startsWith('discovery.sources');
    expect(names.length).toBe(settings.filter((setting) => !fileOnly(setting.path)).length);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^PRESENCE_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  });
});

describe('describeSettings', () => {
  const settings = describeSettings();
  const byPath = new Map(settings.map((setting) => [setting.path, setting]));

  it('documents every leaf setting with a description', () => {
    expect(settings.length).toBeGreaterThan(30);
    for (const setting of settings) {
      expect(setting.description.length, setting.path).toBeGreaterThan(10);
      expect(setting.type.length, setting.path).toBeGreaterThan(0);
    }
    expect(byPath.get('graph.batchSize')).toEqual({
      path: 'graph.batchSize',
      type: 'integer 1..650',
      default: 650,
      required: false,
      env: 'PRESENCE_GRAPH_BATCH_SIZE',
      description: expect.stringContaining('650') as string,
    });
    expect(byPath.get('graph.cloud')?.type).toBe('global | usgov | usgov-dod | custom');
    expect(byPath.get('kafka.clientId')?.defaultText).toBe('connectorName');
    expect(byPath.get('tenant.id')).toMatchObject({ required: true, default: undefined });
    expect(byPath.get('kafka.brokers')).toMatchObject({ required: true, type: 'list of strings (host:port)' });
  });

  it('flags the secrets, and only them', () => {
    expect(settings.filter((setting) => setting.secret === true).map((setting) => setting.path)).toEqual([
      'tenant.clientSecret',
      'tenant.certificate.privateKey',
      'kafka.tls.key',
      'kafka.sasl.password',
      'schemaRegistry.apiKey',
      'schemaRegistry.apiSecret',
      'schemaRegistry.bearerToken',
    ]);
    expect(byPath.get('schemaRegistry.apiSecret')?.envOnly).toBe(true);
    expect(byPath.get('tenant.clientSecret')?.envOnly).toBe(true);
  });

  it('reports the defaults the schema applies', () => {
    const parsed = configSchema.parse({
      tenant: { id: 'contoso.com', clientId: CLIENT_ID },
      kafka: { brokers: ['k:1'] },
      // An optional section: its defaults apply when it is there.
      schemaRegistry: { url: 'http://registry:8081' },
      discovery: { sources: [{ type: 'tenant' }] },
      shards: [{ name: 'a', users: [guid(1)] }],
    });
    const valueAt = (path: string): unknown =>
      path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], parsed);
    for (const setting of settings) {
      if (setting.path.startsWith('shards') || setting.path.startsWith('tenant')) continue;
      if (setting.default !== undefined) expect(valueAt(setting.path), setting.path).toEqual(setting.default);
    }
  });
});

describe('configuration reference', () => {
  const byPath = new Map(describeSettings().map((setting) => [setting.path, setting]));

  it('describes the new settings with their environment variables', () => {
    expect(byPath.get('kafka.sasl.password')).toMatchObject({
      env: 'PRESENCE_KAFKA_SASL_PASSWORD',
      secret: true,
      envOnly: true,
    });
    expect(byPath.get('kafka.tls.key')).toMatchObject({ env: 'PRESENCE_KAFKA_TLS_KEY', secret: true, envOnly: true });
    expect(byPath.get('kafka.tls.enabled')).toMatchObject({ default: false, type: 'boolean' });
    expect(byPath.get('kafka.tls.rejectUnauthorized')).toMatchObject({ default: true });
    expect(byPath.get('kafka.sasl.mechanism')?.type).toBe('plain | scram-sha-256 | scram-sha-512');
    expect(byPath.get('graph.proxyUrl')?.env).toBe('PRESENCE_GRAPH_PROXY_URL');
    for (const path of [
      'kafka.tls.caFile',
      'kafka.tls.certFile',
      'kafka.tls.keyFile',
      'kafka.tls.servername',
      'kafka.sasl.username',
      'kafka.sasl.passwordFile',
    ]) {
      expect(byPath.has(path), path).toBe(true);
    }
  });
});

describe('the schema as data', () => {
  it('turns camelCase segments into SCREAMING_SNAKE_CASE, acronyms and digits included', () => {
    expect(screamingSnake('requestTimeoutMs')).toBe('REQUEST_TIMEOUT_MS');
    expect(screamingSnake('thumbprintSha256')).toBe('THUMBPRINT_SHA256');
    expect(screamingSnake('caFile')).toBe('CA_FILE');
    expect(screamingSnake('HTTPProxy')).toBe('HTTP_PROXY');
    expect(screamingSnake('a-b.c')).toBe('A_B_C');
  });

  it('lists the sections in schema order, the root first, with the optional ones marked', () => {
    const sections = describeSections();
    expect(sections[0]?.path).toBe('');
    const byPath = new Map(sections.map((section) => [section.path, section]));
    expect(byPath.get('tenant')?.optional).toBe(false);
    expect(byPath.has('shards[]')).toBe(true);
    expect(byPath.get('kafka.tls')?.optional).toBe(true);
    expect(sections.filter((section) => section.path !== '').every((section) => section.description !== '')).toBe(true);
  });

  it('answers the keys of a section and the leaf at a path', () => {
    expect(objectKeysAt(['kafka'])).toEqual(expect.arrayContaining(['brokers', 'topic', 'tls', 'sasl']));
    expect(objectKeysAt(['shards', 0])).toEqual(expect.arrayContaining(['name', 'users', 'usersFile']));
    expect(objectKeysAt(['kafka', 'brokers'])).toBeUndefined();
    expect(leafAt(['kafka', 'brokers'])?.kind).toBe('string-list');
    expect(leafAt(['graph', 'batchSize'])?.kind).toBe('integer');
    expect(leafAt(['kafka'])).toBeUndefined();
    expect(leafAt(['nope', 'nothing'])).toBeUndefined();
  });
});
