import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log record. Secrets are also wrapped in `Secret` by the
 * config module; this list is the second line of defence for tokens and headers that never pass through it.
 */
export const REDACTED_PATHS = [
  // HTTP credentials: undici and MSAL errors may carry the request they failed on. Header names keep their case
  // in some objects, hence both spellings.
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'Authorization',
  '*.Authorization',
  'headers.Authorization',
  '*.headers.Authorization',
  '*.*.headers.Authorization',
  'headers["proxy-authorization"]',
  '*.headers["proxy-authorization"]',
  '*.*.headers["proxy-authorization"]',
  // OAuth: tokens and client credentials, in MSAL's camelCase and the wire's snake_case.
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'client_assertion',
  '*.client_assertion',
  'privateKey',
  '*.privateKey',
  'privateKeyPem',
  '*.privateKeyPem',
  // Kafka: SASL passwords and the TLS client key, wherever a client's options end up in a log record.
  'password',
  '*.password',
  'sasl.password',
  '*.sasl.password',
  'passphrase',
  '*.passphrase',
  'ssl.key',
  '*.ssl.key',
  '*.*.ssl.key',
];

export interface LoggerOptions {
  level: string;
  name?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    name: options.name ?? 'presence-connector',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

export type { Logger };
