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

export interface StoredStateRecord {
  key: string;
  /** null for a tombstone. */
  value: Buffer | null;
}

/** The one interface the rest of the connector sees of Kafka. */
export interface EventSink {
  /**
   * Connects, creates the events and state topics if missing and settles the delivery mode; retries until it
   * succeeds or `signal` aborts (a missing transaction feature is not retried: it decides the mode or fails).
   */
  connect(signal?: AbortSignal): Promise<DeliveryMode>;
  /**
   * Takes ownership of a shard before its state is read: in exactly-once mode this initialises the shard's
   * transactional producer, which fences any other producer of the shard and aborts its open transaction.
   */
  openShard(shard: string): Promise<void>;
  /** Gives up a shard: waits for its publishes, then closes its producer. */
  closeShard(shard: string): Promise<void>;
  /** Reads the committed state records of these shards, in offset order per partition. */
  readState(shards: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void>;
  /**
   * Resolves once Kafka acknowledged the batch: in exactly-once mode once its transaction committed. Retries
   * with a new producer until it succeeds or the sink closes; rejects with SINK_FENCED when another worker took
   * the shard. Waits while the bounded buffer is full, which slows polling instead of growing memory.
   */
  publish(batch: ShardBatch): Promise<void>;
  /** Lets publishes in flight finish (up to `timeoutMs`), then disconnects. */
  close(timeoutMs: number): Promise<void>;
}

export interface SinkObserver {
  onPublished?(info: { records: number; durationMs: number }): void;
  onSendError?(info: { error: Error; attempt: number; retryInMs: number }): void;
  onTransaction?(info: { outcome: 'committed' | 'aborted' }): void;
  onFenced?(info: { shard: string }): void;
}
