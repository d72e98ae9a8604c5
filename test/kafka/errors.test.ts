import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSLockTimeout,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes, isConnectorError } from '../../src/errors.js';
import { kafkaErrorType, kafkaFailure, mappingKafkaErrors } from '../../src/kafka/errors.js';

/** What kafkajs builds from a broker's error code: the constructor reads type, code and retriable off its argument. */
function protocolError(type: string, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(`broker said ${type}`), { type, code: 1, retriable }));
}

const SEND = { operation: 'Kafka send failed' };
const OWNER = { operation: 'Kafka transaction failed', transactional: 'owner' } as const;
const CLAIM = { operation: 'initialising failed', transactional: 'claim' } as const;

function mapped(error: unknown, context: Parameters<typeof kafkaFailure>[1] = SEND): ConnectorError {
  const result = kafkaFailure(error, context);
  if (!(result instanceof ConnectorError)) throw new Error(`not mapped: ${String(result)}`);
  return result;
}

describe('kafkaFailure: kafkajs errors into ConnectorErrors', () => {
  it('maps connection errors and request timeouts to retriable SINK_UNAVAILABLE, keeping the cause', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const error = mapped(refused);
    expect(error.code).toBe(ErrorCodes.SINK_UNAVAILABLE);
    expect(error.retriable).toBe(true);
    expect(error.cause).toBe(refused);
    expect(error.message).toBe('Kafka send failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(mapped(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')).retriable).toBe(
      true,
    );
  });

  it('treats timeouts as retriable although kafkajs marks them non-retriable', () => {
    // kafkajs's typings omit the message its constructor reads.
    const LockTimeout = KafkaJSLockTimeout as new (message: string) => KafkaJSLockTimeout;
    const lock = new LockTimeout('Timeout while acquiring lock (1 waiting locks): "connect to broker"');
    expect(lock.retriable).toBe(false);
    expect(mapped(lock).retriable).toBe(true);
  });

  it("follows kafkajs's flag for protocol errors: coordinator moves and concurrent transactions are retriable", () => {
    for (const type of ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS']) {
      const error = mapped(protocolError(type, true), OWNER);
      expect(error.retriable, type).toBe(true);
      expect(error.code, type).toBe(ErrorCodes.SINK_UNAVAILABLE);
      expect(error.details['kafkaError'], type).toBe(type);
    }
  });

  it('surfaces a protocol error kafkajs marks final as non-retriable KAFKA_REQUEST_FAILED', () => {
    const error = mapped(protocolError('TOPIC_AUTHORIZATION_FAILED', false));
    expect(error.code).toBe(ErrorCodes.KAFKA_REQUEST_FAILED);
    expect(error.retriable).toBe(false);
  });

  it('retries producer-session errors a new producer cures', () => {
    for (const type of ['UNKNOWN_PRODUCER_ID', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'INVALID_TXN_STATE']) {
      expect(mapped(protocolError(type, false), OWNER).retriable, type).toBe(true);
    }
  });

  it('unwraps "retries exceeded": retriable exactly when what it wraps is', () => {
    const overConnection = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error'), {
      retryCount: 5,
      retryTime: 2000,
    });
    expect(overConnection.retriable).toBe(false);
    expect(mapped(overConnection).retriable).toBe(true);
    const overRefusal = new KafkaJSNumberOfRetriesExceeded(protocolError('INVALID_REQUEST', false), {
      retryCount: 0,
      retryTime: 100,
    });
    expect(mapped(overRefusal).retriable).toBe(false);
    expect(mapped(new KafkaJSNonRetriableError('Invalid topics array')).retriable).toBe(false);
  });

  it('retries an aggregate only when every error in it is retriable', () => {
    const timeouts = new KafkaJSAggregateError('create topics failed', [
      protocolError('REQUEST_TIMED_OUT', true),
      protocolError('LEADER_NOT_AVAILABLE', true),
    ]);
    expect(mapped(timeouts).retriable).toBe(true);
    const mixed = new KafkaJSAggregateError('create topics failed', [
      protocolError('REQUEST_TIMED_OUT', true),
      protocolError('INVALID_REPLICATION_FACTOR', false),
    ]);
    expect(mapped(mixed).retriable).toBe(false);
  });

  it('reads a fenced producer of a shard as final SINK_FENCED, also when kafkajs wrapped it', () => {
    const fenced = protocolError('INVALID_PRODUCER_EPOCH', false);
    const direct = mapped(fenced, OWNER);
    expect(direct.code).toBe(ErrorCodes.SINK_FENCED);
    expect(direct.retriable).toBe(false);
    // As kafkajs's retrier wraps a non-retriable error; its typings omit the `cause` argument.
    const NonRetriable = KafkaJSNonRetriableError as new (e: Error, meta: { cause: Error }) => KafkaJSNonRetriableError;
    const wrapped = mapped(new NonRetriable(fenced, { cause: fenced }), OWNER);
    expect(wrapped.code).toBe(ErrorCodes.SINK_FENCED);
    expect(wrapped.details['kafkaError']).toBe('INVALID_PRODUCER_EPOCH');
  });

  it('retries a fenced epoch while an id is being claimed: another worker probed at the same moment', () => {
    const error = mapped(protocolError('INVALID_PRODUCER_EPOCH', false), CLAIM);
    expect(error.code).toBe(ErrorCodes.SINK_UNAVAILABLE);
    expect(error.retriable).toBe(true);
  });

  it('reads refused transactions as final SINK_TRANSACTIONS_UNSUPPORTED, but only for transactional calls', () => {
    for (const type of [
      'UNSUPPORTED_VERSION',
      'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
      'CLUSTER_AUTHORIZATION_FAILED',
    ]) {
      const claim = mapped(protocolError(type, false), CLAIM);
      expect(claim.code, type).toBe(ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED);
      expect(claim.retriable, type).toBe(false);
      expect(mapped(protocolError(type, false), OWNER).code, type).toBe(ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED);
    }
    expect(mapped(protocolError('UNSUPPORTED_VERSION', false)).code).toBe(ErrorCodes.KAFKA_REQUEST_FAILED);
  });

  it("follows a plain KafkaJSError's own flag", () => {
    expect(mapped(new KafkaJSError('something transient')).retriable).toBe(true);
    expect(mapped(new KafkaJSError('something final', { retriable: false })).retriable).toBe(false);
  });

  it('passes a ConnectorError and anything that is not a kafkajs error through unchanged', () => {
    const own = new ConnectorError(ErrorCodes.STATE_RESTORE_FAILED, 'restore timed out', { retriable: true });
    expect(kafkaFailure(own, SEND)).toBe(own);
    const bug = new TypeError('cannot read properties of undefined');
    expect(kafkaFailure(bug, SEND)).toBe(bug);
    expect(isConnectorError(kafkaFailure(bug, SEND))).toBe(false);
  });
});

describe('mappingKafkaErrors', () => {
  it('resolves with the call and rejects with the mapped failure', async () => {
    await expect(mappingKafkaErrors(SEND, async () => 7)).resolves.toBe(7);
    const rejected = mappingKafkaErrors(SEND, async () => {
      throw new KafkaJSConnectionError('Connection error');
    });
    await expect(rejected).rejects.toMatchObject({ code: ErrorCodes.SINK_UNAVAILABLE, retriable: true });
  });
});

describe('kafkaErrorType', () => {
  it('reads the protocol type through kafkajs wrappers, and nothing from errors without one', () => {
    const inner = protocolError('PRODUCER_FENCED', false);
    expect(kafkaErrorType(new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 1, retryTime: 1 }))).toBe(
      'PRODUCER_FENCED',
    );
    expect(kafkaErrorType(new KafkaJSConnectionError('Connection error'))).toBeUndefined();
    expect(kafkaErrorType('not an error')).toBeUndefined();
  });
});
