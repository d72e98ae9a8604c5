/**
 * One closed list of error codes for the whole connector. Callers branch on `code`, never on message text.
 * `retriable` says whether the same operation may succeed later without a human changing anything.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_FILE_UNREADABLE: 'CONFIG_FILE_UNREADABLE',
  AUTH_FAILED: 'AUTH_FAILED',
  GRAPH_FORBIDDEN: 'GRAPH_FORBIDDEN',
  GRAPH_UNAUTHORIZED: 'GRAPH_UNAUTHORIZED',
  GRAPH_THROTTLED: 'GRAPH_THROTTLED',
  GRAPH_UNAVAILABLE: 'GRAPH_UNAVAILABLE',
  GRAPH_BAD_REQUEST: 'GRAPH_BAD_REQUEST',
  GRAPH_BAD_RESPONSE: 'GRAPH_BAD_RESPONSE',
  GRAPH_TIMEOUT: 'GRAPH_TIMEOUT',
  GRAPH_NETWORK: 'GRAPH_NETWORK',
  /**
   * Graph can no longer follow a delta link (400 syncStateNotFound, 410 Gone, or a stored link of another host,
   * version or resource): start a full round and reconcile.
   */
  GRAPH_DELTA_EXPIRED: 'GRAPH_DELTA_EXPIRED',
  /** Graph has no group with the configured object id (404 Request_ResourceNotFound, or absent from group delta). */
  GRAPH_GROUP_NOT_FOUND: 'GRAPH_GROUP_NOT_FOUND',
  SINK_UNAVAILABLE: 'SINK_UNAVAILABLE',
  SINK_SEND_FAILED: 'SINK_SEND_FAILED',
  SINK_CLOSED: 'SINK_CLOSED',
  SINK_FENCED: 'SINK_FENCED',
  SINK_TRANSACTIONS_UNSUPPORTED: 'SINK_TRANSACTIONS_UNSUPPORTED',
  /** Kafka refused a request in a way a retry would only repeat (authorization, invalid request, unknown error). */
  KAFKA_REQUEST_FAILED: 'KAFKA_REQUEST_FAILED',
  STATE_RESTORE_FAILED: 'STATE_RESTORE_FAILED',
  /** The shard layout record on the coordination topic is not one the connector wrote: a retry reads it again. */
  SHARD_LAYOUT_INVALID: 'SHARD_LAYOUT_INVALID',
  EVENT_ENCODING_FAILED: 'EVENT_ENCODING_FAILED',
  SHUTDOWN_TIMEOUT: 'SHUTDOWN_TIMEOUT',
  SIMULATOR_INVALID_OPTIONS: 'SIMULATOR_INVALID_OPTIONS',
  /** The schema registry could not be reached, timed out or answered 5xx/429: retriable. */
  SCHEMA_REGISTRY_UNAVAILABLE: 'SCHEMA_REGISTRY_UNAVAILABLE',
  /** The schema registry refused the credentials (401/403): a retry repeats it until someone fixes them. */
  SCHEMA_REGISTRY_UNAUTHORIZED: 'SCHEMA_REGISTRY_UNAUTHORIZED',
  /** The schema registry refused a request in a way a retry would only repeat (400, 404 from a wrong URL, ...). */
  SCHEMA_REGISTRY_REQUEST_FAILED: 'SCHEMA_REGISTRY_REQUEST_FAILED',
  /** The schema registry answered 2xx with a body that is not what its API documents. */
  SCHEMA_REGISTRY_BAD_RESPONSE: 'SCHEMA_REGISTRY_BAD_RESPONSE',
  /** The registry has no such schema id, or no such version of a subject. */
  SCHEMA_NOT_FOUND: 'SCHEMA_NOT_FOUND',
  /** With auto-register off, the registry does not hold the exact schema the connector writes. */
  SCHEMA_NOT_REGISTERED: 'SCHEMA_NOT_REGISTERED',
  /** The schema breaks the subject's compatibility level (409, or is_compatible false). */
  SCHEMA_INCOMPATIBLE: 'SCHEMA_INCOMPATIBLE',
  /** The registry rejected the schema text itself (422). */
  SCHEMA_INVALID: 'SCHEMA_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ConnectorErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** Extra structured context; enumerable so pino prints it. Never put secrets here. */
  details?: Record<string, unknown>;
}

export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export function isConnectorError(error: unknown, code?: ErrorCode): error is ConnectorError {
  return error instanceof ConnectorError && (code === undefined || error.code === code);
}

/** Turns anything thrown into an Error without losing it, for code paths that must log and carry on. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
