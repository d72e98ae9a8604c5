/**
 * Kafka TLS and SASL against a real broker (Kafka 4.1 from Maven jars) whose listeners are configured for them:
 * SSL, SSL with required client certificates, SASL_SSL (SCRAM-SHA-512 and PLAIN) and SASL_PLAINTEXT
 * (SCRAM-SHA-256). Every client here is built by `createKafkaClient`, the one place the connector builds one, and
 * records are read back with the topic reader that `tail` uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig, type EnvSource } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createKafkaClient, kafkaSecurityHint, type KafkaEndpointOptions } from '../../src/kafka/client.js';
import { startTopicReader, type TopicRecord } from '../../src/kafka/index.js';
import { uniqueTopic } from '../support/kafka.js';
import {
  PLAIN_USER,
  SCRAM_256_USER,
  SCRAM_512_USER,
  startSecureBroker,
  type SecureBroker,
} from './support/secure-broker.js';

let broker: SecureBroker;
let configDir: string;

beforeAll(async () => {
  broker = await startSecureBroker();
  configDir = mkdtempSync(join(tmpdir(), 'kafka-security-config-'));
});

afterAll(async () => {
  await broker?.dispose();
  if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
});

const secret = (value: string): { reveal(): string } => ({ reveal: () => value });

type Security = Pick<KafkaEndpointOptions, 'ssl' | 'sasl'>;

function trustTestCa(): NonNullable<Security['ssl']> {
  return { caPem: broker.pki.ca.certPem, rejectUnauthorized: true };
}

function endpoint(brokers: string[], security: Security): KafkaEndpointOptions {
  return { clientId: 'security-test', brokers, connectionTimeoutMs: 5_000, requestTimeoutMs: 10_000, ...security };
}

/** Every log line a client writes, to check that a failure is explained and no secret is in it. */
function capturingLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

/** Connects an admin client and lists topics; resolves with the error when that fails. */
async function connectFailure(
  brokers: string[],
  security: Security,
  onLog: (message: string) => void = () => undefined,
): Promise<Error | undefined> {
  const admin = createKafkaClient({ ...endpoint(brokers, security), onLog: (line) => onLog(line.message) }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Creates a topic, writes one record and reads it back through the topic reader, all over `brokers`/`security`. */
async function roundTrip(brokers: string[], security: Security): Promise<TopicRecord> {
  const topic = uniqueTopic('security');
  const { logger } = capturingLogger();
  const kafka = createKafkaClient({ ...endpoint(brokers, security), logger });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: 'user-1', value: 'Available' }] });
  } finally {
    await producer.disconnect();
  }
  let received: (record: TopicRecord) => void = () => undefined;
  const first = new Promise<TopicRecord>((resolve) => {
    received = resolve;
  });
  const reader = await startTopicReader({
    brokers,
    topic,
    fromBeginning: true,
    onRecord: (record) => received(record),
    ...security,
  });
  try {
    return await first;
  } finally {
    await reader.stop();
  }
}

describe('Kafka over TLS', () => {
  it('publishes and reads back when the broker certificate chains to the configured CA', async () => {
    const record = await roundTrip(broker.ssl, { ssl: trustTestCa() });
    expect(record.key).toBe('user-1');
    expect(record.value.toString('utf8')).toBe('Available');
  });

  it('refuses a broker whose certificate another CA signed, and says which setting to fix', async () => {
    const logged: string[] = [];
    const error = await connectFailure(
      broker.ssl,
      { ssl: { caPem: broker.pki.otherCa.certPem, rejectUnauthorized: true } },
      (line) => logged.push(line),
    );
    expect(error?.message).toMatch(/unable to verify the first certificate/);
    expect(kafkaSecurityHint(error?.message ?? '')).toMatch(/kafka\.tls\.caFile/);
    expect(logged.some((line) => line.includes('set kafka.tls.caFile'))).toBe(true);
  });

  it('refuses a private CA when only the public roots are trusted (no caFile)', async () => {
    const error = await connectFailure(broker.ssl, { ssl: { rejectUnauthorized: true } });
    expect(error?.message).toMatch(/unable to verify the first certificate/);
  });

  it('checks the name in the certificate; servername overrides the name checked', async () => {
    expect(await connectFailure(broker.ssl, { ssl: { ...trustTestCa(), servername: 'localhost' } })).toBeUndefined();
    const error = await connectFailure(broker.ssl, { ssl: { ...trustTestCa(), servername: 'kafka.example.com' } });
    expect(error?.message).toMatch(/does not match certificate's altnames/);
    expect(kafkaSecurityHint(error?.message ?? '')).toMatch(/servername/);
  });

  it('presents a client certificate to a listener that requires one (mTLS)', async () => {
    const refused = await connectFailure(broker.mtls, { ssl: trustTestCa() });
    expect(refused?.message).toMatch(/bad certificate|certificate required/);
    expect(kafkaSecurityHint(refused?.message ?? '')).toMatch(/client certificate/);
    const withCertificate = {
      ...trustTestCa(),
      certificatePem: broker.pki.client.certPem,
      privateKey: secret(broker.pki.client.keyPem),
    };
    const record = await roundTrip(broker.mtls, { ssl: withCertificate });
    expect(record.value.toString('utf8')).toBe('Available');
  });
});

describe('Kafka with SASL', () => {
  const scram512 = (password: string): Security => ({
    ssl: trustTestCa(),
    sasl: { mechanism: 'scram-sha-512', username: SCRAM_512_USER.username, password: secret(password) },
  });

  it('SCRAM-SHA-512 over TLS with the right password: publishes and reads back', async () => {
    const record = await roundTrip(broker.saslSsl, scram512(SCRAM_512_USER.password));
    expect(record.value.toString('utf8')).toBe('Available');
  });

  it('SCRAM-SHA-512 with a wrong password fails with an authentication error that names no password', async () => {
    const { lines, logger } = capturingLogger();
    const admin = createKafkaClient({ ...endpoint(broker.saslSsl, scram512('not-the-password')), logger }).admin();
    const error = await admin.connect().then(
      () => undefined,
      (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
    );
    await admin.disconnect().catch(() => undefined);
    expect(error?.message).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(lines.some((line) => line.includes('check kafka.sasl.mechanism'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain('not-the-password');
      expect(line).not.toContain(SCRAM_512_USER.password);
    }
  });

  it('PLAIN over TLS, shaped like Azure Event Hubs ($ConnectionString and a connection string)', async () => {
    const plain = (password: string): Security => ({
      ssl: trustTestCa(),
      sasl: { mechanism: 'plain', username: PLAIN_USER.username, password: secret(password) },
    });
    expect(await connectFailure(broker.saslSsl, plain(PLAIN_USER.password))).toBeUndefined();
    expect((await connectFailure(broker.saslSsl, plain('Endpoint=sb://wrong/')))?.message).toMatch(
      /SASL PLAIN authentication failed/,
    );
  });

  it('SCRAM-SHA-256 without TLS (SASL_PLAINTEXT)', async () => {
    const scram256 = (password: string): Security => ({
      sasl: { mechanism: 'scram-sha-256', username: SCRAM_256_USER.username, password: secret(password) },
    });
    expect(await connectFailure(broker.saslPlaintext, scram256(SCRAM_256_USER.password))).toBeUndefined();
    expect((await connectFailure(broker.saslPlaintext, scram256('wrong')))?.message).toMatch(
      /SCRAM SHA256 authentication failed/,
    );
  });
});

describe('from the configuration file to the Kafka client', () => {
  const ids = {
    tenant: 'contoso.onmicrosoft.com',
    client: '11111111-2222-3333-4444-555555555555',
    user: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  };

  function load(kafka: Record<string, unknown>, env: EnvSource): ReturnType<typeof loadConfig> {
    const file = join(configDir, `connector-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      stringify({
        tenant: { id: ids.tenant, clientId: ids.client },
        kafka: { brokers: ['placeholder:9092'], ...kafka },
        shards: [{ name: 'all', users: [ids.user] }],
      }),
    );
    return loadConfig({ file, env: { PRESENCE_TENANT_CLIENT_SECRET: 'tenant-secret', ...env } });
  }

  it('kafka.tls with certFile and the key from the environment (literal \\n) reaches an mTLS listener', async () => {
    const config = load(
      { tls: { enabled: true, caFile: broker.files.caCert, certFile: broker.files.clientCert } },
      { PRESENCE_KAFKA_TLS_KEY: broker.pki.client.keyPem.trim().replaceAll('\n', '\\n') },
    );
    expect(config.kafka.tls?.privateKey?.reveal()).toBe(broker.pki.client.keyPem.trim());
    // The mapping worker.ts makes: the resolved config fits KafkaConnectionOptions as it is.
    const security: Security = { ...(config.kafka.tls === undefined ? {} : { ssl: config.kafka.tls }) };
    expect(await connectFailure(broker.mtls, security)).toBeUndefined();
  });

  it('kafka.sasl with the password from PRESENCE_KAFKA_SASL_PASSWORD reaches a SCRAM-SHA-512 listener', async () => {
    const config = load(
      {
        tls: { enabled: true, caFile: broker.files.caCert },
        sasl: { mechanism: 'scram-sha-512', username: SCRAM_512_USER.username },
      },
      { PRESENCE_KAFKA_SASL_PASSWORD: SCRAM_512_USER.password },
    );
    expect(config.kafka.sasl?.passwordSource).toBe('env PRESENCE_KAFKA_SASL_PASSWORD');
    expect(JSON.stringify(config)).not.toContain(SCRAM_512_USER.password);
    const security: Security = {
      ...(config.kafka.tls === undefined ? {} : { ssl: config.kafka.tls }),
      ...(config.kafka.sasl === undefined ? {} : { sasl: config.kafka.sasl }),
    };
    expect(await connectFailure(broker.saslSsl, security)).toBeUndefined();
  });
});
