/**
 * The schemaRegistry section as the loader resolves it: URL, strategy and defaults from the file or the
 * environment; credentials only from the environment or files, wrapped in Secret; the CA bundle read at load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/pki.js';
import { fixture, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';

afterAll(removeTempDirs);

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const registry = (...lines: string[]): string[] => [
  ...minimalLines(),
  'schemaRegistry:', // 9
  '  url: https://registry.example.com/apis/ccompat/v7/', // 10
  ...lines,
];

describe('schemaRegistry', () => {
  it('is absent unless configured: values stay plain Avro', () => {
    expect(fixture(minimalLines()).load().schemaRegistry).toBeUndefined();
  });

  it('takes its defaults: TopicNameStrategy, auto-register, 10 s timeout, no credentials; the URL loses its trailing slash', () => {
    expect(fixture(registry()).load().schemaRegistry).toEqual({
      url: 'https://registry.example.com/apis/ccompat/v7',
      subjectNameStrategy: 'TopicNameStrategy',
      autoRegister: true,
      requestTimeoutMs: 10_000,
    });
  });

  it('can be configured from the environment alone', () => {
    const config = fixture(
      minimalLines(),
      {},
      {
        ...SECRET_ENV,
        PRESENCE_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
        PRESENCE_SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
        PRESENCE_SCHEMA_REGISTRY_SUBJECT_NAME_STRATEGY: 'RecordNameStrategy',
      },
    ).load();
    expect(config.schemaRegistry).toMatchObject({
      url: 'http://127.0.0.1:8081',
      autoRegister: false,
      subjectNameStrategy: 'RecordNameStrategy',
    });
  });

  it('reads an API key and secret from the environment or files into Secrets, and says where they came from', () => {
    const loaded = fixture(
      registry('  apiSecretFile: sr-secret.txt'),
      { 'sr-secret.txt': '  s3cr3t-value\n' },
      {
        ...SECRET_ENV,
        PRESENCE_SCHEMA_REGISTRY_API_KEY: 'KEY123',
      },
    );
    const config = loaded.load();
    const auth = config.schemaRegistry?.auth;
    expect(auth?.kind).toBe('basic');
    if (auth?.kind !== 'basic') throw new Error('expected basic auth');
    expect(auth.username.reveal()).toBe('KEY123');
    expect(auth.password.reveal()).toBe('s3cr3t-value');
    expect(config.schemaRegistry?.credentialSource).toMatch(
      /^env PRESENCE_SCHEMA_REGISTRY_API_KEY \+ file .*sr-secret\.txt$/,
    );
    expect(JSON.stringify(config.schemaRegistry)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(config.schemaRegistry)).not.toContain('KEY123');
  });

  it('reads a bearer token', () => {
    const config = fixture(registry(), {}, { ...SECRET_ENV, PRESENCE_SCHEMA_REGISTRY_BEARER_TOKEN: 'tok-1' }).load();
    const auth = config.schemaRegistry?.auth;
    expect(auth?.kind === 'bearer' ? auth.token.reveal() : undefined).toBe('tok-1');
  });

  it('refuses a credential written in the config file, naming where it belongs', () => {
    const lines = fixture(registry('  apiSecret: literal')).lines();
    expect(
      lines.some((line) => line.startsWith('config.yaml:11:') && line.includes('PRESENCE_SCHEMA_REGISTRY_API_SECRET')),
    ).toBe(true);
  });

  it('refuses half a basic-auth pair and a mix of basic auth and a bearer token', () => {
    const half = fixture(registry(), {}, { ...SECRET_ENV, PRESENCE_SCHEMA_REGISTRY_API_KEY: 'k' }).lines();
    expect(half).toEqual([
      expect.stringMatching(
        /^config\.yaml:9:1 schemaRegistry: basic auth needs both an API key and an API secret: set PRESENCE_SCHEMA_REGISTRY_API_SECRET or schemaRegistry\.apiSecretFile$/,
      ),
    ]);
    const both = fixture(
      registry(),
      {},
      {
        ...SECRET_ENV,
        PRESENCE_SCHEMA_REGISTRY_API_KEY: 'k',
        PRESENCE_SCHEMA_REGISTRY_API_SECRET: 's',
        PRESENCE_SCHEMA_REGISTRY_BEARER_TOKEN: 't',
      },
    ).lines();
    expect(both).toEqual([expect.stringContaining('either an API key and secret or a bearer token, not both')]);
  });

  it('reads the CA bundle at load and refuses a file without a certificate', () => {
    const ok = fixture(registry('  caFile: ca.pem'), { 'ca.pem': pki.ca.certPem }).load();
    expect(ok.schemaRegistry?.caPem).toBe(pki.ca.certPem);
    const bad = fixture(registry('  caFile: ca.pem'), { 'ca.pem': 'not a certificate' }).lines();
    expect(bad).toEqual([
      expect.stringMatching(/^config\.yaml:11:\d+ schemaRegistry\.caFile: .*ca\.pem holds no PEM certificate$/),
    ]);
  });

  it('checks the URL: scheme, embedded credentials, query', () => {
    const problems = (url: string) => fixture([...minimalLines(), 'schemaRegistry:', `  url: ${url}`]).lines();
    expect(problems('ftp://registry')).toEqual([expect.stringContaining('must be an http:// or https:// URL')]);
    expect(problems('https://user:pw@registry')).toEqual([expect.stringContaining('must not contain credentials')]);
    expect(problems('https://registry/?x=1')).toEqual([expect.stringContaining('must not have a query')]);
    expect(problems('not a url')).toEqual([expect.stringContaining('is not a URL')]);
  });
});
