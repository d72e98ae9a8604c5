/**
 * The security settings as the loader reads them: kafka.tls and kafka.sasl (graph.proxyUrl is in formats.test.ts). No broker, no network:
 * what the settings do on the wire is in kafka-tls-sasl.test.ts and test/http/proxy.test.ts.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, summarizeConfig } from '../../src/config/index.js';
import { fixture, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';
import { createTestPki, type TestPki } from '../support/pki.js';

afterAll(removeTempDirs);

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const SASL_PASSWORD = 'sasl-password-never-printed';

/** The minimal config with lines added under `kafka:` (after brokers). */
function withKafka(kafkaLines: string[]): string[] {
  const lines = minimalLines();
  return [...lines.slice(0, 5), ...kafkaLines.map((line) => `  ${line}`), ...lines.slice(5)];
}

describe('kafka.sasl', () => {
  const sasl = ['sasl:', '  mechanism: scram-sha-512', '  username: alice'];

  it('takes the password from PRESENCE_KAFKA_SASL_PASSWORD as a Secret', () => {
    const config = fixture(withKafka(sasl), {}, { ...SECRET_ENV, PRESENCE_KAFKA_SASL_PASSWORD: SASL_PASSWORD }).load();
    expect(config.kafka.sasl).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'alice',
      passwordSource: 'env PRESENCE_KAFKA_SASL_PASSWORD',
    });
    expect(config.kafka.sasl?.password.reveal()).toBe(SASL_PASSWORD);
    expect(JSON.stringify(config)).not.toContain(SASL_PASSWORD);
    expect(inspect(config, { depth: 10 })).not.toContain(SASL_PASSWORD);
    const summary = formatSummary(summarizeConfig(config));
    expect(summary).toContain('SASL scram-sha-512 as alice (password env PRESENCE_KAFKA_SASL_PASSWORD)');
    expect(summary).not.toContain(SASL_PASSWORD);
  });

  it('or from passwordFile, trimmed', () => {
    const config = fixture(withKafka([...sasl, '  passwordFile: secrets/kafka-password']), {
      'secrets/kafka-password': `${SASL_PASSWORD}\n`,
    }).load();
    expect(config.kafka.sasl?.password.reveal()).toBe(SASL_PASSWORD);
    expect(config.kafka.sasl?.passwordSource).toMatch(/^file .*secrets\/kafka-password$/);
  });

  it('refuses a password written in the config file, without repeating it', () => {
    const loaded = fixture(withKafka([...sasl, `  password: ${SASL_PASSWORD}`]));
    const message = loaded.message();
    expect(message).toContain('kafka.sasl.password');
    expect(message).toContain('PRESENCE_KAFKA_SASL_PASSWORD');
    expect(message).toContain('kafka.sasl.passwordFile');
    expect(message).not.toContain(SASL_PASSWORD);
    // One problem for the literal password, not a second "missing password" on top.
    expect(loaded.problems().filter((problem) => problem.path.startsWith('kafka.sasl'))).toHaveLength(1);
  });

  it('names both ways to give a missing password, and refuses both at once', () => {
    expect(fixture(withKafka(sasl)).message()).toMatch(
      /needs a password: set the environment variable PRESENCE_KAFKA_SASL_PASSWORD, or kafka\.sasl\.passwordFile/,
    );
    const both = fixture(
      withKafka([...sasl, '  passwordFile: p.txt']),
      { 'p.txt': 'x' },
      { ...SECRET_ENV, PRESENCE_KAFKA_SASL_PASSWORD: SASL_PASSWORD },
    );
    expect(both.message()).toMatch(/set either PRESENCE_KAFKA_SASL_PASSWORD or kafka\.sasl\.passwordFile, not both/);
  });

  it('checks the mechanism', () => {
    expect(fixture(withKafka(['sasl:', '  mechanism: gssapi', '  username: a'])).message()).toMatch(
      /kafka\.sasl\.mechanism/,
    );
  });

  it('can be configured from the environment alone', () => {
    const config = fixture(
      minimalLines(),
      {},
      {
        ...SECRET_ENV,
        PRESENCE_KAFKA_SASL_MECHANISM: 'plain',
        PRESENCE_KAFKA_SASL_USERNAME: '$ConnectionString',
        PRESENCE_KAFKA_SASL_PASSWORD:
          'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
        PRESENCE_KAFKA_TLS_ENABLED: 'true',
      },
    ).load();
    expect(config.kafka.sasl?.username).toBe('$ConnectionString');
    expect(config.kafka.sasl?.password.reveal()).toContain('SharedAccessKey=v');
    expect(config.kafka.tls).toEqual({ rejectUnauthorized: true });
  });

  it('warns that plain without TLS sends the password in clear', () => {
    const config = fixture(
      withKafka(['sasl:', '  mechanism: plain', '  username: a']),
      {},
      { ...SECRET_ENV, PRESENCE_KAFKA_SASL_PASSWORD: 'x' },
    ).load();
    expect(summarizeConfig(config).warnings.join('\n')).toMatch(/plain without kafka\.tls\.enabled/);
  });
});

describe('kafka.tls', () => {
  it('is off by default and absent from the resolved config', () => {
    expect(fixture(minimalLines()).load().kafka.tls).toBeUndefined();
  });

  it('reads the CA, the client certificate and its key at load', () => {
    const config = fixture(
      withKafka([
        'tls:',
        '  enabled: true',
        '  caFile: ca.pem',
        '  certFile: client.pem',
        '  keyFile: client.key',
        '  servername: kafka.internal',
      ]),
      {
        'ca.pem': pki.ca.certPem,
        'client.pem': pki.client.certPem,
        'client.key': pki.client.keyPem,
      },
    ).load();
    expect(config.kafka.tls).toMatchObject({
      caPem: pki.ca.certPem,
      certificatePem: pki.client.certPem,
      rejectUnauthorized: true,
      servername: 'kafka.internal',
    });
    expect(config.kafka.tls?.privateKey?.reveal()).toBe(pki.client.keyPem.trim());
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
    expect(formatSummary(summarizeConfig(config))).toMatch(
      /TLS \(CA .*ca\.pem, client certificate, server name kafka\.internal\)/,
    );
  });

  it('refuses TLS settings while TLS is off', () => {
    expect(fixture(withKafka(['tls:', '  caFile: ca.pem']), { 'ca.pem': pki.ca.certPem }).message()).toMatch(
      /kafka\.tls\.caFile: has no effect while kafka\.tls\.enabled is false/,
    );
  });

  it('refuses a key written in the config file', () => {
    const message = fixture(withKafka(['tls:', '  enabled: true', '  key: not-a-real-key-value'])).message();
    expect(message).toContain('PRESENCE_KAFKA_TLS_KEY');
    expect(message).not.toContain('not-a-real-key-value');
  });

  it('pairs certificate and key, and checks that they belong together', () => {
    const files = {
      'client.pem': pki.client.certPem,
      'client.key': pki.client.keyPem,
      'other.key': pki.otherCa.keyPem,
      'ca.pem': pki.ca.certPem,
    };
    expect(fixture(withKafka(['tls:', '  enabled: true', '  certFile: client.pem']), files).message()).toMatch(
      /needs its private key: set the environment variable PRESENCE_KAFKA_TLS_KEY/,
    );
    expect(fixture(withKafka(['tls:', '  enabled: true', '  keyFile: client.key']), files).message()).toMatch(
      /needs its certificate: set kafka\.tls\.certFile/,
    );
    expect(
      fixture(
        withKafka(['tls:', '  enabled: true', '  certFile: client.pem', '  keyFile: other.key']),
        files,
      ).message(),
    ).toMatch(/does not belong to the certificate/);
    expect(fixture(withKafka(['tls:', '  enabled: true', '  caFile: client.key']), files).message()).toMatch(
      /holds no PEM certificate/,
    );
    expect(fixture(withKafka(['tls:', '  enabled: true', '  caFile: missing.pem']), files).message()).toMatch(
      /cannot read .*missing\.pem/,
    );
  });

  it('warns when certificates are not verified', () => {
    const config = fixture(withKafka(['tls:', '  enabled: true', '  rejectUnauthorized: false'])).load();
    expect(summarizeConfig(config).warnings.join('\n')).toMatch(/rejectUnauthorized is false/);
  });
});
