export interface SinkRecord {
  /** Kafka key; the user id, so one user's events stay ordered in one partition. */
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** The one interface the rest of the connector sees of Kafka. */
export interface EventSink {
  /** Connects and creates the topic if missing; retries until it succeeds or `signal` aborts. */
  connect(signal?: AbortSignal): Promise<void>;
  /**
   * Resolves once Kafka acknowledged every record (acks=all). Retries with a new producer until it succeeds or
   * the sink is closed; waits while the bounded buffer is full, which slows polling instead of growing memory.
   */
  publish(records: readonly SinkRecord[]): Promise<void>;
  /** Lets publishes in flight finish (up to `timeoutMs`), then disconnects. */
  close(timeoutMs: number): Promise<void>;
}

export interface SinkObserver {
  onPublished?(info: { records: number; durationMs: number }): void;
  onSendError?(info: { error: Error; attempt: number; retryInMs: number }): void;
  onConnected?(): void;
}
