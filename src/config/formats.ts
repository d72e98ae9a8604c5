/**
 * Value formats used by the schema. Each check returns a problem message, or undefined when the value is fine.
 * Plain string scanning and single-character-class patterns only: nothing here can backtrack.
 */
import { parseHttpsOrigin } from './clouds.js';
import { isGuid } from './guid.js';
import { quote } from './problems.js';

export type FormatCheck = (value: string) => string | undefined;

export const checkGuid: FormatCheck = (value) => (isGuid(value) ? undefined : `${quote(value)} is not a GUID`);

const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const NAME_MAX_LENGTH = 100;

/** Names that become parts of Kafka client and transactional ids. */
export const checkName: FormatCheck = (value) => {
  if (value.length === 0) return 'must not be empty';
  if (value.length > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters`;
  return NAME_PATTERN.test(value)
    ? undefined
    : `${quote(value)} may contain only letters, digits, '.', '_' and '-' (it becomes part of Kafka ids)`;
};

const TOPIC_PATTERN = /^[A-Za-z0-9._-]+$/;
export const checkTopic: FormatCheck = (value) => {
  if (value.length === 0 || value.length > 249) return 'must be 1 to 249 characters';
  if (value === '.' || value === '..') return `${quote(value)} is not a valid Kafka topic name`;
  return TOPIC_PATTERN.test(value) ? undefined : `${quote(value)} may contain only letters, digits, '.', '_' and '-'`;
};

const LABEL_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const TLD_PATTERN = /^[a-z]{2,63}$/i;

function isDomainName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] ?? '';
  return TLD_PATTERN.test(tld) && labels.every((label) => LABEL_PATTERN.test(label));
}

const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

/** A tenant is named by its GUID or one of its verified domains; app-only tokens need a real tenant. */
export const checkTenantId: FormatCheck = (value) => {
  if (MULTI_TENANT_ALIASES.has(value.toLowerCase())) {
    return `${quote(value)} cannot be used for app-only access: give the tenant GUID or a verified domain`;
  }
  if (isGuid(value) || isDomainName(value)) return undefined;
  return `${quote(value)} is neither a tenant GUID nor a domain name (e.g. contoso.onmicrosoft.com)`;
};

/** `host:port`, `1.2.3.4:port` or `[::1]:port`. */
export const checkBroker: FormatCheck = (value) => {
  const colon = value.lastIndexOf(':');
  if (colon <= 0 || colon === value.length - 1) return `${quote(value)} is not host:port`;
  const host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  const port = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) return `${quote(value)} has an invalid port`;
  const bracketed = host.startsWith('[') && host.endsWith(']');
  if (!bracketed && (host.includes(':') || /[\s/]/.test(host))) return `${quote(value)} is not host:port`;
  return undefined;
};

/** Strips the separators openssl prints (`AB:CD:...`) and lowercases. */
export function normalizeThumbprint(value: string): string {
  return value.replaceAll(':', '').toLowerCase();
}

const HEX_PATTERN = /^[0-9a-f]+$/;
export const checkThumbprintSha256: FormatCheck = (value) => {
  const hex = normalizeThumbprint(value);
  if (hex.length === 40 && HEX_PATTERN.test(hex)) {
    return 'this is a SHA-1 thumbprint (40 hex digits); MSAL needs the SHA-256 one (64 hex digits): openssl x509 -noout -fingerprint -sha256 -in cert.pem';
  }
  if (hex.length === 64 && HEX_PATTERN.test(hex)) return undefined;
  return "must be the certificate's SHA-256 thumbprint: 64 hex digits (colons allowed)";
};

/** An https origin (no path): custom Graph and authority hosts. */
export const checkHttpsOrigin: FormatCheck = (value) => {
  const parsed = parseHttpsOrigin(value);
  return 'problem' in parsed ? parsed.problem : undefined;
};

/**
 * graph.proxyUrl: an http(s) proxy origin. Credentials are refused because this setting is printed by check-config
 * and in config problems; a proxy that needs them is given through HTTPS_PROXY instead, which nothing prints.
 */
export const checkProxyUrl: FormatCheck = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${quote(value)} is not a URL (e.g. http://proxy.example.com:3128)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must be an http:// or https:// URL (got ${url.protocol})`;
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials: leave graph.proxyUrl unset and give the proxy with its credentials in HTTPS_PROXY';
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return `${quote(value)} must be a proxy origin without a path`;
  return undefined;
};

/** A TLS server name (SNI and the name the certificate must carry): a host name, no port or scheme. */
export const checkServerName: FormatCheck = (value) => {
  if (value.length === 0 || value.length > 253) return 'must be a host name of 1 to 253 characters';
  return /^[A-Za-z0-9.-]+$/.test(value) ? undefined : `${quote(value)} is not a host name (no scheme, port or path)`;
};
