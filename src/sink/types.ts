export interface SinkRecord {
  /** Kafka key: the user id for events, `<shard>/<userId>` for state. */
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/** The events of one Graph batch and the dedup state they move the shard to. */
export interface ShardBatch {
  shard: string;
  events: readonly SinkRecord[];
  state: readonly SinkRecord[];
}

export type DeliveryMode = 'exactly-once' | 'at-least-once';

/** The one interface the rest of the connector sees of publishing to Kafka; shard ownership is ShardProducers. */
export interface EventPublisher {
  /**
   * Connects, creates the events and state topics if missing and settles the delivery mode; retries what is
   * retriable until it succeeds or `signal` aborts (a missing transaction feature decides the mode or fails).
   */
  connect(signal?: AbortSignal): Promise<DeliveryMode>;
  /**
   * Resolves once Kafka acknowledged the batch: in exactly-once mode once its transaction committed. Retries
   * with a new producer while the failure is retriable, until it succeeds or the sink closes (SINK_CLOSED);
   * rejects with SINK_FENCED when another worker took the shard, and at once with anything not retriable.
   * Waits while the bounded buffer is full, which slows polling instead of growing memory.
   */
  publish(batch: ShardBatch): Promise<void>;
  /** Lets publishes in flight finish (up to `timeoutMs`), then disconnects. */
  close(timeoutMs: number): Promise<void>;
}

/** The per-shard producers of a publisher, as shard ownership (src/shard-ownership) takes and gives them up. */
export interface ShardProducers {
  /**
   * What exactly-once needs when a shard is taken over, before its state is read: initialises the shard's
   * transactional producer, which fences any other producer of the shard and aborts its open transaction.
   * Nothing to do at-least-once.
   */
  claimShard(shard: string): Promise<void>;
  /** Gives up a shard: waits for its publishes, then closes its producer. */
  releaseShard(shard: string): Promise<void>;
}

export interface SinkObserver {
  onPublished?(info: { records: number; durationMs: number }): void;
  onSendError?(info: { error: Error; attempt: number; retryInMs: number }): void;
  onTransaction?(info: { outcome: 'committed' | 'aborted' }): void;
  onFenced?(info: { shard: string }): void;
}
