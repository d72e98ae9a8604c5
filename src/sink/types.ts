export interface SinkRecord {
  /** Kafka key: the user id for events and the table, `<shard>/<userId>` for state, the shard for watermarks. */
  key: string;
  /** null: a tombstone (table and state records of a user who left the watched set). */
  value: Buffer | null;
  headers?: Record<string, string>;
}

/**
 * What one shard publishes at once: the events of a Graph batch, the table records and dedup state they lead
 * to, and after a complete cycle the shard's watermark. All of it is one transaction in exactly-once mode.
 */
export interface ShardBatch {
  shard: string;
  events: readonly SinkRecord[];
  /** Current presence per user for the table topic; absent when the table is off. */
  table?: readonly SinkRecord[];
  state: readonly SinkRecord[];
  /** The shard's freshness watermark; absent when the batch is not the end of a cycle or watermarks are off. */
  watermarks?: readonly SinkRecord[];
  /** Watched-set changes and delta links of discovery, written through the first discovered shard only. */
  directory?: readonly SinkRecord[];
}

/** The topics a publisher writes besides the state topic: the change log always, the others when enabled (set). */
export interface OutputTopics {
  eventsTopic: string;
  tableTopic?: string;
  watermarkTopic?: string;
  directoryTopic?: string;
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
