/** Fake producers of src/kafka's own interfaces: the publishers' recovery paths without a broker. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import type {
  IdempotentProducer,
  KafkaTransaction,
  PartitionRecord,
  ReadPartitionsOptions,
  TopicBatch,
  TransactionalProducer,
} from '../../src/kafka/index.js';

export const silent = pino({ level: 'silent' });

/** A pino logger at debug whose lines land in `lines`, parsed; `above(level)` picks those above a level. */
export function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  const above = (level: number) => lines.filter((line) => (line['level'] as number) > level);
  return { lines, above, logger: pino({ level: 'debug' }, destination) };
}
/** Waits short enough that a test never notices them. */
export const fast = { initialMs: 1, maxMs: 2 };

export const retriable = (message = 'broker away'): ConnectorError =>
  new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, message, { retriable: true });
export const fenced = (): ConnectorError =>
  new ConnectorError(ErrorCodes.SINK_FENCED, 'Kafka transaction failed: fenced', {
    details: { kafkaError: 'INVALID_PRODUCER_EPOCH' },
  });

/** What one attempt of a fake transactional producer does at each step; undefined: succeed. */
export interface TransactionScript {
  send?: Error;
  commit?: Error;
}

export class FakeTransactionalProducer implements TransactionalProducer {
  readonly sent: TopicBatch[][] = [];
  aborted = 0;
  committed = 0;
  disconnected = false;

  constructor(
    private readonly script: TransactionScript,
    private readonly baseOffset: string,
  ) {}

  async begin(): Promise<KafkaTransaction> {
    return {
      send: async (batches) => {
        this.sent.push([...batches]);
        if (this.script.send !== undefined) throw this.script.send;
        return batches.map((batch) => ({
          topic: batch.topic,
          partition: batch.records[0]?.partition ?? 0,
          baseOffset: this.baseOffset,
        }));
      },
      commit: async () => {
        if (this.script.commit !== undefined) throw this.script.commit;
        this.committed++;
      },
      abort: async () => {
        this.aborted++;
      },
    };
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

/**
 * A cluster that hands out one scripted producer per attempt (the last script repeats) and answers the
 * commit check from `visibleStateOffset`.
 */
export class FakeTransactionalCluster {
  readonly producers: FakeTransactionalProducer[] = [];
  readonly reads: ReadPartitionsOptions[] = [];
  visibleStateOffset: string | undefined;

  constructor(private readonly scripts: TransactionScript[]) {}

  async transactionalProducer(): Promise<TransactionalProducer> {
    const script = this.scripts[Math.min(this.producers.length, this.scripts.length - 1)] ?? {};
    const producer = new FakeTransactionalProducer(script, String(100 + this.producers.length));
    this.producers.push(producer);
    return producer;
  }

  async readPartitions(options: ReadPartitionsOptions): Promise<void> {
    this.reads.push(options);
    const records: PartitionRecord[] =
      this.visibleStateOffset === undefined ? [] : [{ key: 's1/u1', value: null, offset: this.visibleStateOffset }];
    options.onRecords(options.ranges[0]?.partition ?? 0, records);
  }

  /** Transactions begun, over every producer. */
  get attempts(): number {
    return this.producers.reduce((total, producer) => total + producer.sent.length, 0);
  }
}

export class FakeIdempotentProducer implements IdempotentProducer {
  readonly sent: TopicBatch[] = [];
  disconnected = false;

  constructor(private readonly failure: Error | undefined) {}

  async send(batch: TopicBatch): Promise<void> {
    this.sent.push(batch);
    if (this.failure !== undefined) throw this.failure;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

/** One producer per attempt, failing as scripted (the last entry repeats; undefined succeeds). */
export class FakeIdempotentCluster {
  readonly producers: FakeIdempotentProducer[] = [];

  constructor(private readonly failures: Array<Error | undefined>) {}

  async idempotentProducer(): Promise<IdempotentProducer> {
    const failure = this.failures[Math.min(this.producers.length, this.failures.length - 1)];
    const producer = new FakeIdempotentProducer(failure);
    this.producers.push(producer);
    return producer;
  }
}
