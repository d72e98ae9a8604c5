/**
 * What the rest of the connector sees of Kafka: plain records and small interfaces of our own, so that no
 * kafkajs type leaves src/kafka and another client library can stand behind the same shapes.
 */

export type KafkaCompression = 'gzip' | 'none';

/** One record to write. */
export interface OutgoingRecord {
  key: string;
  /** null writes a tombstone: on a compacted topic, the key's earlier records go at the next compaction. */
  value: Buffer | string | null;
  headers?: Record<string, string>;
  /** Absent: the default partitioner picks it from the key. */
  partition?: number;
}

export interface TopicBatch {
  topic: string;
  records: readonly OutgoingRecord[];
}

/** Where the broker put the first record of a batch it acknowledged. */
export interface WrittenBatch {
  topic: string;
  partition: number;
  /** 64-bit offsets stay the decimal strings the protocol gives. */
  baseOffset: string;
}

/**
 * The producer contract, for every producer here and its transactions: a producer is unusable after any failure
 * (kafkajs cannot recover one whose commit or abort failed, or that met UNKNOWN_PRODUCER_ID or a sequence error),
 * so the caller disconnects it and never calls it again. `retriable` on the failure means retriable with a new
 * producer: the same call on the same producer may fail for good.
 */

/** One open Kafka transaction. Every failure is a ConnectorError (see kafkaFailure); see the producer contract. */
export interface KafkaTransaction {
  send(batches: readonly TopicBatch[]): Promise<WrittenBatch[]>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A connected producer whose transactional id is initialised: it fenced every older producer of that id.
 * Unusable after any failure (the producer contract above).
 */
export interface TransactionalProducer {
  begin(): Promise<KafkaTransaction>;
  disconnect(): Promise<void>;
}

/**
 * A connected idempotent producer (acks from every in-sync replica, one request in flight per broker).
 * Unusable after any failure (the producer contract above).
 */
export interface IdempotentProducer {
  send(batch: TopicBatch): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TransactionalProducerOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  compression: KafkaCompression;
}

export interface IdempotentProducerOptions {
  compression: KafkaCompression;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: number;
  /** Topic configs such as cleanup.policy. */
  config?: Record<string, string>;
}

/** Topic administration over one admin connection. */
export interface KafkaAdmin {
  /** Creates the topics that do not exist yet and waits for their leaders; true when it created any. */
  createTopics(topics: readonly TopicSpec[]): Promise<boolean>;
  /**
   * Partitions the topic has now. Rejects when the topic does not exist (the broker answers
   * UNKNOWN_TOPIC_OR_PARTITION, mapped retriable: a topic just created may not be known to every broker yet).
   */
  partitionCount(topic: string): Promise<number>;
  /** Grows the topic to `count` partitions (Kafka never shrinks one). */
  addPartitions(topic: string, count: number): Promise<void>;
}

/** A committed record read back from a partition. */
export interface PartitionRecord {
  key: string;
  /** null for a tombstone. */
  value: Buffer | null;
  offset: string;
}

export interface PartitionRange {
  partition: number;
  /** First offset to read; undefined: the beginning. */
  fromOffset?: string;
}

export interface ReadPartitionsOptions {
  topic: string;
  ranges: readonly PartitionRange[];
  /**
   * Called per batch of committed records; return true to stop reading that partition early. A throw ends the
   * read at once with STATE_RESTORE_FAILED, not retriable (the same records would fail again), its cause kept.
   */
  onRecords: (partition: number, records: PartitionRecord[]) => boolean;
  /** How long the whole read may take; then it fails with STATE_RESTORE_FAILED, retriable. */
  timeoutMs: number;
  /** Prefix of the throw-away consumer group the read joins. */
  groupPrefix: string;
}

export interface GroupMembershipOptions {
  groupId: string;
  /** The topic whose partitions are shared among the members. */
  topic: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** A rebalance began: whatever was assigned is no longer this member's. */
  onRebalancing: () => void;
  /** The partitions of `topic` this member holds in the new generation of the group. */
  onAssigned: (assignment: { partitions: number[]; memberId: string; isLeader: boolean }) => void;
}

/** Membership of a consumer group, kept alive by heartbeats until stop(). */
export interface GroupMembership {
  /** Leaves the group at once, so the other members take the partitions over without waiting for a timeout. */
  stop(): Promise<void>;
}

/** Everything the connector does with a Kafka cluster, each call mapping failures into ConnectorErrors. */
export interface KafkaCluster {
  /** Runs `work` with one admin connection, closed afterwards. */
  withAdmin<T>(work: (admin: KafkaAdmin) => Promise<T>): Promise<T>;
  /** Reads partitions with read_committed isolation up to the end they had when the read began. */
  readPartitions(options: ReadPartitionsOptions): Promise<void>;
  transactionalProducer(options: TransactionalProducerOptions): Promise<TransactionalProducer>;
  idempotentProducer(options: IdempotentProducerOptions): Promise<IdempotentProducer>;
  /**
   * Initialises this transactional id and aborts at once. Rejects with SINK_TRANSACTIONS_UNSUPPORTED when the
   * broker refuses transactions (a missing feature or a forbidden id), with a retriable error when it is away.
   */
  probeTransactions(transactionalId: string): Promise<void>;
  joinGroup(options: GroupMembershipOptions): Promise<GroupMembership>;
}
