import kafkajs, { type KafkaJSError } from 'kafkajs';
import { ConnectorError, ErrorCodes, isConnectorError, toError } from '../errors.js';

// kafkajs is CommonJS and spreads its error classes into its exports, which Node's named-export detection cannot
// see: they are reachable from an ES module only through the default export.
const {
  KafkaJSAggregateError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError: KafkaJSErrorClass,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSMetadataNotLoaded,
  KafkaJSNonRetriableError,
  KafkaJSRequestTimeoutError,
  KafkaJSTimeout,
} = kafkajs;

/** Protocol error types that mean another producer with our transactional id has taken over. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_NOT_FOUND']);
/** Protocol error types that mean the broker will never run transactions for us. */
const NO_TRANSACTIONS_TYPES = new Set([
  'UNSUPPORTED_VERSION',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);
/**
 * Protocol errors kafkajs marks non-retriable because the producer that met them cannot go on, while a new
 * producer (a new InitProducerId, a fresh sequence) can: the publishers replace the producer before each retry.
 */
const NEW_PRODUCER_CURES = new Set([
  'UNKNOWN_PRODUCER_ID',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'INVALID_TXN_STATE',
  'TRANSACTION_COORDINATOR_FENCED',
]);
/** How deep kafkajs nests its wrappers (retries exceeded around non-retriable around the protocol error). */
const MAX_DEPTH = 5;

/** What the failed call was doing: decides how fencing and refused transactions read. */
export interface KafkaFailureContext {
  /** Says what failed, first in the message: "Kafka transaction failed". */
  operation: string;
  /**
   * A transactional call. Both kinds read the authorization and version errors as "the broker refuses
   * transactions" (SINK_TRANSACTIONS_UNSUPPORTED, final). For the `owner` of a transactional id (a shard's
   * producer at work) a fenced epoch means another owner took over (SINK_FENCED, final). While an id is being
   * `claim`ed (initialised: the delivery-mode probe, a producer's start) it only means that another claim came at
   * the same moment, and the next attempt gets a newer epoch.
   */
  transactional?: 'owner' | 'claim';
}

/** kafkajs wraps the protocol error it gave up on in `originalError`/`cause`; read the type from the innermost one. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if ('type' in current && typeof current.type === 'string') return current.type;
    current = innerError(current);
  }
  return undefined;
}

/**
 * The one translation of a kafkajs failure into the connector's terms: a ConnectorError whose `retriable` says
 * whether the same call may succeed later (kafkajs's own flag, its wrappers unwrapped, plus the failures that are
 * transient by nature: connections, timeouts, moving coordinators). A ConnectorError passes unchanged; anything
 * that is not a kafkajs error (a TypeError from a bug) is returned as it is, so that no retry loop hides it.
 */
export function kafkaFailure(thrown: unknown, context: KafkaFailureContext): Error {
  if (isConnectorError(thrown) || !isKafkaJsError(thrown)) return toError(thrown);
  const type = kafkaErrorType(thrown);
  const details = { kafkaError: type ?? thrown.name };
  const message = `${context.operation}: ${thrown.message}`;
  const fenced = FENCED_TYPES.has(type ?? '');
  if (context.transactional === 'owner' && fenced) {
    return new ConnectorError(ErrorCodes.SINK_FENCED, message, { cause: thrown, details });
  }
  if (context.transactional !== undefined && NO_TRANSACTIONS_TYPES.has(type ?? '')) {
    return new ConnectorError(ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED, message, { cause: thrown, details });
  }
  const retriable = isRetriableKafkaError(thrown, 0) || fenced;
  return new ConnectorError(retriable ? ErrorCodes.SINK_UNAVAILABLE : ErrorCodes.KAFKA_REQUEST_FAILED, message, {
    cause: thrown,
    retriable,
    details,
  });
}

/** Runs one call into kafkajs and throws its failure as {@link kafkaFailure} translates it. */
export async function mappingKafkaErrors<T>(context: KafkaFailureContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kafkaFailure(error, context);
  }
}

function isRetriableKafkaError(error: unknown, depth: number): boolean {
  if (depth >= MAX_DEPTH || !isKafkaJsError(error)) return false;
  if (error instanceof KafkaJSAggregateError) {
    return error.errors.length > 0 && error.errors.every((inner) => isRetriableKafkaError(inner, depth + 1));
  }
  const type = kafkaErrorType(error);
  if (type !== undefined && NEW_PRODUCER_CURES.has(type)) return true;
  if (isTransientByNature(error)) return true;
  // "Retries exceeded" and "non-retriable" wrappers say that kafkajs stopped; whether a later call may succeed is
  // the question of the error they wrap.
  if (error instanceof KafkaJSNonRetriableError) {
    const inner = innerError(error);
    return inner !== undefined && inner !== error && isRetriableKafkaError(inner, depth + 1);
  }
  return error.retriable;
}

/**
 * Failures that pass with time whatever kafkajs's flag says: its timeouts (a lock, a request) and a coordinator
 * or broker not found are non-retriable for kafkajs only because its own retries already ran out.
 */
function isTransientByNature(error: KafkaJSError): boolean {
  return (
    error instanceof KafkaJSConnectionError ||
    error instanceof KafkaJSRequestTimeoutError ||
    error instanceof KafkaJSTimeout ||
    error instanceof KafkaJSGroupCoordinatorNotFound ||
    error instanceof KafkaJSBrokerNotFound ||
    error instanceof KafkaJSMetadataNotLoaded ||
    error.name === 'KafkaJSNoBrokerAvailableError'
  );
}

function isKafkaJsError(error: unknown): error is KafkaJSError | InstanceType<typeof KafkaJSAggregateError> {
  return error instanceof KafkaJSErrorClass || error instanceof KafkaJSAggregateError;
}

function innerError(error: object): unknown {
  if ('originalError' in error && error.originalError !== undefined) return error.originalError;
  return 'cause' in error ? error.cause : undefined;
}
