import { ConnectorError, ErrorCodes, toError } from '../errors.js';

/** Protocol error types that mean another producer with our transactional id has taken over. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_NOT_FOUND']);
/** Protocol error types that mean the broker will never run transactions for us. */
const NO_TRANSACTIONS_TYPES = new Set([
  'UNSUPPORTED_VERSION',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** kafkajs wraps the protocol error it gave up on in `originalError`; read the type from the innermost one. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if ('type' in current && typeof current.type === 'string') return current.type;
    current = 'originalError' in current ? current.originalError : 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

export function isFencedError(error: unknown): boolean {
  return FENCED_TYPES.has(kafkaErrorType(error) ?? '');
}

export function isTransactionsUnsupported(error: unknown): boolean {
  return NO_TRANSACTIONS_TYPES.has(kafkaErrorType(error) ?? '');
}

export function fencedError(shard: string, cause: unknown): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SINK_FENCED,
    `another producer with this shard's transactional id took over shard "${shard}": this worker stops polling it`,
    { cause: toError(cause), details: { shard, kafkaError: kafkaErrorType(cause) } },
  );
}
