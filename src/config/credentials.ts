/**
 * The tenant credential: exactly one of a client secret or a certificate, each from the environment or a file,
 * never from the config file itself. Secrets are wrapped in `Secret` as soon as they are read.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { checkThumbprintSha256, normalizeThumbprint } from './formats.js';
import { problemAt, type PlaceContext, type ResolveContext } from './issues.js';
import { formatPath, type ConfigPath, type ConfigProblem } from './problems.js';
import { isRecord, envName, nonEmptyString, parsePemPrivateKey, readSettingFile } from './raw-values.js';
import { Secret } from './secret.js';
import { settingLeaves } from './settings.js';

export interface CertificateCredential {
  /** PEM private key. */
  privateKey: Secret;
  /** SHA-256 thumbprint, 64 lowercase hex digits. */
  thumbprintSha256: string;
  /** PEM certificate (chain), sent as x5c, when certificateFile is set. */
  certificatePem?: string;
}

export interface ResolvedCredential {
  clientSecret?: Secret;
  certificate?: CertificateCredential;
  /** Where the credential came from, for the summary: `env PRESENCE_TENANT_CLIENT_SECRET`, `file /run/secrets/x`. */
  source: string;
}

/** What a load that does not need the credential (`requireCredentials: false`) puts in its place. */
export const CREDENTIAL_NOT_READ: ResolvedCredential = { source: 'not read: this command does not sign in to Graph' };

const SECRET: ConfigPath = ['tenant', 'clientSecret'];
const SECRET_FILE: ConfigPath = ['tenant', 'clientSecretFile'];
const CERTIFICATE: ConfigPath = ['tenant', 'certificate'];
const KEY: ConfigPath = [...CERTIFICATE, 'privateKey'];
const KEY_FILE: ConfigPath = [...CERTIFICATE, 'privateKeyFile'];

/**
 * Removes env-only settings (secrets) written in the config file, with a problem each saying where the value
 * belongs instead. Returns whether any were found.
 */
export function removeLiteralSecrets(fileValue: unknown, context: PlaceContext, problems: ConfigProblem[]): boolean {
  let found = false;
  for (const leaf of settingLeaves()) {
    if (leaf.meta.envOnly !== true) continue;
    let parent: unknown = fileValue;
    for (const segment of leaf.segments.slice(0, -1)) parent = isRecord(parent) ? parent[segment] : undefined;
    const key = leaf.segments[leaf.segments.length - 1];
    if (key === undefined || !isRecord(parent) || !(key in parent)) continue;
    Reflect.deleteProperty(parent, key);
    found = true;
    const alternative = leaf.meta.secretFileSetting;
    const fileHint =
      alternative === undefined
        ? ''
        : `, or write it to a file and set ${alternative} (or env ${envName(alternative.split('.'))})`;
    problems.push(
      problemAt(
        context,
        leaf.segments,
        `secrets must not be written in the config file: set the environment variable ${leaf.envVar ?? ''}${fileHint}`,
        'key',
      ),
    );
  }
  return found;
}

export interface ReadSecret {
  value: string;
  source: string;
  /** The absolute path, when read from a file. */
  file?: string;
}

/** A secret given either by an env-only setting or by a file setting: exactly one, read and checked. */
export function readSecret(
  context: ResolveContext,
  valuePath: ConfigPath,
  filePath: ConfigPath,
  value: string | undefined,
  file: string | undefined,
  missing: string | undefined,
): ReadSecret | undefined {
  if (value !== undefined && file !== undefined) {
    context.problems.push(
      problemAt(context, filePath, `set either ${envName(valuePath)} or ${formatPath(filePath)}, not both`),
    );
    return undefined;
  }
  if (value !== undefined) return { value, source: `env ${envName(valuePath)}` };
  if (file === undefined) {
    if (missing !== undefined) context.problems.push(problemAt(context, valuePath.slice(0, -1), missing, 'key'));
    return undefined;
  }
  const read = readSettingFile(context, filePath, file);
  if (read === undefined) return undefined;
  const text = read.text.trim();
  if (text === '') {
    context.problems.push(problemAt(context, filePath, `${read.display} is empty`));
    return undefined;
  }
  return { value: text, source: `file ${read.display}`, file: read.absolute };
}

export function resolveCredential(
  rawTenant: unknown,
  context: ResolveContext,
  literalSecretFound: boolean,
): ResolvedCredential | undefined {
  if (!isRecord(rawTenant)) return undefined;
  const secretValue = nonEmptyString(rawTenant.clientSecret);
  const secretFile = nonEmptyString(rawTenant.clientSecretFile);
  const certificate = rawTenant.certificate;
  const hasSecret = secretValue !== undefined || secretFile !== undefined;
  if (hasSecret && certificate !== undefined) {
    context.problems.push(
      problemAt(context, CERTIFICATE, 'configure either a client secret or a certificate, not both', 'key'),
    );
    return undefined;
  }
  if (certificate !== undefined)
    return isRecord(certificate) ? resolveCertificate(certificate, context, literalSecretFound) : undefined;
  const missing = literalSecretFound
    ? undefined
    : `no credential: set the environment variable ${envName(SECRET)}, or ${formatPath(SECRET_FILE)} (env ${envName(SECRET_FILE)}), or configure ${formatPath(CERTIFICATE)}`;
  const secret = readSecret(context, SECRET, SECRET_FILE, secretValue, secretFile, missing);
  // The file is remembered so that a rotated secret can be read again without a restart (src/auth/secret-file.ts).
  return secret === undefined
    ? undefined
    : { clientSecret: new Secret(secret.value, secret.file), source: secret.source };
}

/** Environment variables cannot easily hold newlines: accept a PEM with literal `\n` sequences. */
export function pemFromEnv(text: string): string {
  return text.includes('\n') ? text : text.replaceAll('\\n', '\n');
}

function parsePrivateKey(context: ResolveContext, pem: string, where: ConfigPath): KeyObject | undefined {
  const key = parsePemPrivateKey(context, pem, where, 'MSAL');
  if (key !== undefined && key.asymmetricKeyType !== 'rsa') {
    // MSAL signs the client assertion with RS256/PS256; Entra ID certificate credentials are RSA.
    context.problems.push(
      problemAt(context, where, `must be an RSA private key (got ${key.asymmetricKeyType ?? 'unknown'})`),
    );
    return undefined;
  }
  return key;
}

function resolveCertificate(
  raw: Record<string, unknown>,
  context: ResolveContext,
  literalSecretFound: boolean,
): ResolvedCredential | undefined {
  const keyValue = nonEmptyString(raw.privateKey);
  const keyFile = nonEmptyString(raw.privateKeyFile);
  const missing = literalSecretFound
    ? undefined
    : `needs a private key: set the environment variable ${envName(KEY)}, or ${formatPath(KEY_FILE)} (env ${envName(KEY_FILE)})`;
  const key = readSecret(
    context,
    KEY,
    KEY_FILE,
    keyValue === undefined ? undefined : pemFromEnv(keyValue),
    keyFile,
    missing,
  );
  const keyPath = keyValue !== undefined ? KEY : KEY_FILE;
  const keyObject = key === undefined ? undefined : parsePrivateKey(context, key.value, keyPath);
  const thumbprintText = nonEmptyString(raw.thumbprintSha256);
  // A malformed or missing thumbprint is the schema's to report.
  const thumbprint =
    thumbprintText !== undefined && checkThumbprintSha256(thumbprintText) === undefined
      ? normalizeThumbprint(thumbprintText)
      : undefined;
  const certificatePem = readCertificate(context, nonEmptyString(raw.certificateFile), thumbprint, keyObject, keyPath);
  if (key === undefined || keyObject === undefined || thumbprint === undefined || certificatePem === null)
    return undefined;
  const credential: CertificateCredential = { privateKey: new Secret(key.value), thumbprintSha256: thumbprint };
  if (certificatePem !== undefined) credential.certificatePem = certificatePem;
  return { certificate: credential, source: key.source };
}

/** Reads certificateFile and checks it against the thumbprint and the key. undefined: not set; null: a problem. */
function readCertificate(
  context: ResolveContext,
  file: string | undefined,
  thumbprint: string | undefined,
  key: KeyObject | undefined,
  keyPath: ConfigPath,
): string | undefined | null {
  if (file === undefined) return undefined;
  const filePath: ConfigPath = [...CERTIFICATE, 'certificateFile'];
  const read = readSettingFile(context, filePath, file);
  if (read === undefined) return null;
  const { display } = read;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(read.text);
  } catch {
    context.problems.push(problemAt(context, filePath, `${display} holds no PEM certificate`));
    return null;
  }
  let ok = true;
  const actual = normalizeThumbprint(certificate.fingerprint256);
  if (thumbprint !== undefined && actual !== thumbprint) {
    context.problems.push(
      problemAt(
        context,
        [...CERTIFICATE, 'thumbprintSha256'],
        `does not match the certificate in ${display} (its SHA-256 thumbprint is ${actual})`,
      ),
    );
    ok = false;
  }
  if (key !== undefined && !certificate.checkPrivateKey(key)) {
    context.problems.push(
      problemAt(context, keyPath, `the private key does not belong to the certificate in ${display}`),
    );
    ok = false;
  }
  return ok ? read.text : null;
}

/** graph.caFile, read once at load (as kafka.tls.caFile is): its absolute path, for messages, and its PEM text. */
export interface GraphCaBundle {
  caFile: string;
  caPem: string;
}

/** graph.caFile: readable and holding a PEM certificate. */
export function resolveCaFile(rawGraph: unknown, context: ResolveContext): GraphCaBundle | undefined {
  if (!isRecord(rawGraph)) return undefined;
  const file = nonEmptyString(rawGraph.caFile);
  return file === undefined ? undefined : readCaBundle(context, ['graph', 'caFile'], file);
}

/** A PEM CA bundle named by a setting, read and checked at load (the first certificate must parse). */
export function readCaBundle(
  context: ResolveContext,
  settingPath: ConfigPath,
  file: string,
): GraphCaBundle | undefined {
  const read = readSettingFile(context, settingPath, file);
  if (read === undefined) return undefined;
  try {
    new X509Certificate(read.text);
  } catch {
    context.problems.push(problemAt(context, settingPath, `${read.display} holds no PEM certificate`));
    return undefined;
  }
  return { caFile: read.absolute, caPem: read.text };
}
