/**
 * Kafka TLS and SASL: the files and secrets behind kafka.tls and kafka.sasl, read and checked at load so that a
 * wrong path, a key that does not match its certificate or a missing password stops the start with a config
 * problem instead of failing on the first connection. Secrets are wrapped in `Secret` as soon as they are read.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { pemFromEnv, readSecret } from './credentials.js';
import { problemAt, type ResolveContext } from './issues.js';
import { formatPath, type ConfigPath } from './problems.js';
import { isRecord, envName, nonEmptyString, parsePemPrivateKey, readSettingFile, type ReadFile } from './raw-values.js';
import { Secret } from './secret.js';
import type { KafkaSaslConfig, KafkaTlsConfig } from './types.js';

/** What the resolver reads from files and secrets; the plain settings come from the validated schema output. */
export interface KafkaTlsMaterial {
  caFile?: string;
  caPem?: string;
  certificatePem?: string;
  privateKey?: Secret;
}

export type KafkaSaslSecret = Pick<KafkaSaslConfig, 'password' | 'passwordSource'>;

const TLS: ConfigPath = ['kafka', 'tls'];
const CA_FILE: ConfigPath = [...TLS, 'caFile'];
const CERT_FILE: ConfigPath = [...TLS, 'certFile'];
const KEY: ConfigPath = [...TLS, 'key'];
const KEY_FILE: ConfigPath = [...TLS, 'keyFile'];
const PASSWORD: ConfigPath = ['kafka', 'sasl', 'password'];
const PASSWORD_FILE: ConfigPath = ['kafka', 'sasl', 'passwordFile'];

/** A problem was already reported at this path (a secret written in the file): do not add "missing" on top. */
function alreadyReported(context: ResolveContext, path: ConfigPath): boolean {
  const key = formatPath(path);
  return context.problems.some((problem) => problem.path === key);
}

/** A PEM file that must hold at least one certificate; the first is returned for key checks. */
function readCertificates(
  context: ResolveContext,
  settingPath: ConfigPath,
  file: string,
): { read: ReadFile; first: X509Certificate } | undefined {
  const read = readSettingFile(context, settingPath, file);
  if (read === undefined) return undefined;
  try {
    return { read, first: new X509Certificate(read.text) };
  } catch {
    context.problems.push(problemAt(context, settingPath, `${read.display} holds no PEM certificate`));
    return undefined;
  }
}

function parseKey(context: ResolveContext, pem: string, where: ConfigPath): KeyObject | undefined {
  return parsePemPrivateKey(context, pem, where, 'the Kafka client');
}

/**
 * Reads kafka.tls's files when TLS is enabled. Returns undefined when TLS is off or a problem was reported (the
 * problem list then stops the load).
 */
export function resolveKafkaTls(rawKafka: unknown, context: ResolveContext): KafkaTlsMaterial | undefined {
  const raw = isRecord(rawKafka) ? rawKafka.tls : undefined;
  // Settings given while TLS is off are the schema's to report.
  if (!isRecord(raw) || raw.enabled !== true) return undefined;
  const problemsBefore = context.problems.length;
  const material: KafkaTlsMaterial = {};
  const caFile = nonEmptyString(raw.caFile);
  if (caFile !== undefined) {
    const ca = readCertificates(context, CA_FILE, caFile);
    if (ca !== undefined) Object.assign(material, { caFile: ca.read.absolute, caPem: ca.read.text });
  }
  Object.assign(material, resolveClientCertificate(raw, context));
  return context.problems.length > problemsBefore ? undefined : material;
}

function resolveClientCertificate(
  raw: Record<string, unknown>,
  context: ResolveContext,
): Pick<KafkaTlsMaterial, 'certificatePem' | 'privateKey'> {
  const certFile = nonEmptyString(raw.certFile);
  const keyValue = nonEmptyString(raw.key);
  const keyFile = nonEmptyString(raw.keyFile);
  if (certFile === undefined) {
    if (keyValue !== undefined || keyFile !== undefined) {
      const where = keyValue !== undefined ? KEY : KEY_FILE;
      context.problems.push(
        problemAt(context, where, `a client key needs its certificate: set ${formatPath(CERT_FILE)}`, 'key'),
      );
    }
    return {};
  }
  const missing = alreadyReported(context, KEY)
    ? undefined
    : `a client certificate needs its private key: set the environment variable ${envName(KEY)}, or ${formatPath(KEY_FILE)} (env ${envName(KEY_FILE)})`;
  const key = readSecret(
    context,
    KEY,
    KEY_FILE,
    keyValue === undefined ? undefined : pemFromEnv(keyValue),
    keyFile,
    missing,
  );
  const keyPath = keyValue !== undefined ? KEY : KEY_FILE;
  const keyObject = key === undefined ? undefined : parseKey(context, key.value, keyPath);
  const certificate = readCertificates(context, CERT_FILE, certFile);
  if (key === undefined || keyObject === undefined || certificate === undefined) return {};
  if (!certificate.first.checkPrivateKey(keyObject)) {
    context.problems.push(
      problemAt(context, keyPath, `the private key does not belong to the certificate in ${certificate.read.display}`),
    );
    return {};
  }
  return { certificatePem: certificate.read.text, privateKey: new Secret(key.value) };
}

/** Reads the SASL password when kafka.sasl is configured. undefined: no SASL, or a problem was reported. */
export function resolveKafkaSaslSecret(rawKafka: unknown, context: ResolveContext): KafkaSaslSecret | undefined {
  const raw = isRecord(rawKafka) ? rawKafka.sasl : undefined;
  if (!isRecord(raw)) return undefined;
  const missing = alreadyReported(context, PASSWORD)
    ? undefined
    : `needs a password: set the environment variable ${envName(PASSWORD)}, or ${formatPath(PASSWORD_FILE)} (env ${envName(PASSWORD_FILE)})`;
  const secret = readSecret(
    context,
    PASSWORD,
    PASSWORD_FILE,
    nonEmptyString(raw.password),
    nonEmptyString(raw.passwordFile),
    missing,
  );
  return secret === undefined ? undefined : { password: new Secret(secret.value), passwordSource: secret.source };
}

/** The resolved kafka.tls: the validated plain settings plus the files read. */
export function kafkaTlsConfig(
  settings: { enabled: boolean; rejectUnauthorized: boolean; servername?: string | undefined },
  material: KafkaTlsMaterial | undefined,
): KafkaTlsConfig | undefined {
  if (!settings.enabled) return undefined;
  return {
    ...material,
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(settings.servername === undefined ? {} : { servername: settings.servername }),
  };
}
