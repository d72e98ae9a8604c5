/**
 * A dedicated local Kafka broker with TLS and SASL listeners, for the security tests. The shared test broker stays
 * plaintext: every other test keeps using it unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBroker, type LocalBroker } from '../../../scripts/kafka/index.js';
import { createTestPki, writePkiFiles, type PkiFiles, type TestPki } from '../../support/pki.js';

/** SCRAM users are created when the storage is formatted (KRaft keeps them in the metadata log). */
export const SCRAM_512_USER = { username: 'alice', password: 'alice-secret-512' };
export const SCRAM_256_USER = { username: 'bob', password: 'bob-secret-256' };
/** PLAIN users live in the listener's JAAS config. */
export const PLAIN_USER = {
  username: '$ConnectionString',
  password: 'Endpoint=sb://example/;SharedAccessKey=plain-secret',
};

export interface SecureBroker {
  pki: TestPki;
  files: PkiFiles;
  /** TLS, server certificate only. */
  ssl: string[];
  /** TLS that requires a client certificate signed by the test CA. */
  mtls: string[];
  /** TLS plus SASL: SCRAM-SHA-512 (alice) and PLAIN ($ConnectionString). */
  saslSsl: string[];
  /** SASL without TLS: SCRAM-SHA-256 (bob). */
  saslPlaintext: string[];
  /** The PLAINTEXT listener, for setting up topics without credentials. */
  plaintext: string[];
  logFile: string;
  dispose(): Promise<void>;
}

function jaasString(value: string): string {
  return JSON.stringify(value);
}

export async function startSecureBroker(): Promise<SecureBroker> {
  const pki = await createTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  const files = writePkiFiles(pki, join(dir, 'pki'));
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const broker: LocalBroker = await startLocalBroker({
    listeners: [
      { name: 'SSL', securityProtocol: 'SSL' },
      { name: 'MTLS', securityProtocol: 'SSL' },
      { name: 'SASL_SSL', securityProtocol: 'SASL_SSL' },
      { name: 'SASL_PLAIN', securityProtocol: 'SASL_PLAINTEXT' },
    ],
    formatArguments: [
      '--add-scram',
      `SCRAM-SHA-512=[name=${SCRAM_512_USER.username},password=${SCRAM_512_USER.password}]`,
      '--add-scram',
      `SCRAM-SHA-256=[name=${SCRAM_256_USER.username},password=${SCRAM_256_USER.password}]`,
    ],
    extraProperties: {
      // PEM stores (Kafka 2.7+): no keytool, no JKS passwords.
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': files.serverKeystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': files.caCert,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scram,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.username}=${jaasString(PLAIN_USER.password)};`,
      'listener.name.sasl_plain.sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      'listener.name.sasl_plain.scram-sha-256.sasl.jaas.config': scram,
    },
  });
  return {
    pki,
    files,
    ssl: broker.listenerBrokers('SSL'),
    mtls: broker.listenerBrokers('MTLS'),
    saslSsl: broker.listenerBrokers('SASL_SSL'),
    saslPlaintext: broker.listenerBrokers('SASL_PLAIN'),
    plaintext: broker.brokers,
    logFile: broker.logFile,
    dispose: async () => {
      await broker.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
