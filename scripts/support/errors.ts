/**
 * The dev tools' own errors (local broker, JVM services, Maven): kept apart from the connector's `ConnectorError`
 * list in src/errors.ts, so that the product's closed list of codes only names what an operator can meet.
 */

export const DevToolErrorCodes = [
  /** An option the caller gave cannot be used (a malformed version, a duplicate listener name). */
  'INVALID_OPTION',
  /** No Java runtime new enough was found (JAVA_HOME, PATH, /usr/lib/jvm). */
  'JAVA_NOT_FOUND',
  /** A helper command could not be run at all (not installed, not executable). */
  'COMMAND_FAILED',
  /** Maven could not resolve the artifacts into a classpath. */
  'MAVEN_FAILED',
  /** A one-off setup step before a service starts failed (e.g. formatting Kafka's storage). */
  'SETUP_FAILED',
  /** A service was started but did not become ready (it exited, logged a fatal error, or timed out). */
  'SERVICE_NOT_READY',
  /** start() on a service that was disposed. */
  'SERVICE_DISPOSED',
  /** A name that the service does not have (e.g. an unknown Kafka listener). */
  'UNKNOWN_NAME',
  /** The OS gave no port. */
  'NO_FREE_PORT',
] as const;

export type DevToolErrorCode = (typeof DevToolErrorCodes)[number];

export interface DevToolErrorOptions {
  cause?: unknown;
  /** Structured context for the caller (paths, ports); tests read e.g. `details.dataDir`. */
  details?: Record<string, unknown>;
}

export class DevToolError extends Error {
  readonly code: DevToolErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: DevToolErrorCode, message: string, options: DevToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DevToolError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isDevToolError(error: unknown, code?: DevToolErrorCode): error is DevToolError {
  return error instanceof DevToolError && (code === undefined || error.code === code);
}

/** Anything thrown, as an Error, for messages; the original stays reachable as `cause` where it matters. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
