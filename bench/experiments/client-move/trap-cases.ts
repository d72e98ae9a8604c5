/**
 * The failures that matter to an exactly-once connector, played against a real broker with each client through the
 * same calls. Every trap reads its topic back with read_committed kafkajs, so the verdict rests on what a consumer
 * sees, not on what the client says.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalBroker } from '../../../scripts/kafka/index.js';
import { benchKafka } from '../../lib/kafka.js';
import type { ClientProducer, ClientTransaction, ClientUnderTest, ProducerSettings } from './client.js';
import { committedKeys } from './readback.js';
import { keyedBatch, need, StepLog, tally, type StepOutcome } from './trap-steps.js';

export interface TrapResult {
  trap: string;
  client: string;
  steps: StepOutcome[];
  committed: ReturnType<typeof tally>;
}

type Trap = (client: ClientUnderTest, brokers: string[], log: StepLog, topic: string) => Promise<void>;

const RECORDS = 10;
const PARTITIONS = 3;

/** Runs one trap on a fresh topic and reads back what was committed. */
export async function runTrap(
  name: string,
  trap: Trap,
  client: ClientUnderTest,
  brokers: string[],
): Promise<TrapResult> {
  const kafka = benchKafka(brokers, 'client-move-traps');
  const topic = `client-move-trap-${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
  process.stderr.write(`${name} with ${client.version}\n`);
  const log = new StepLog(client);
  await trap(client, brokers, log, topic);
  const committed = tally(await committedKeys(kafka, topic));
  process.stderr.write(`  committed: ${JSON.stringify(committed)}\n`);
  return { trap: name, client: client.version, steps: log.steps, committed };
}

function settings(brokers: string[], transactionalId: string, transactionTimeoutMs = 60_000): ProducerSettings {
  return { brokers, transactionalId, transactionTimeoutMs, compression: 'gzip' };
}

async function closeQuietly(log: StepLog, producer: ClientProducer | undefined, label: string): Promise<void> {
  if (producer !== undefined) await log.attempt(`close ${label}`, () => producer.close(), 30_000);
}

/**
 * (1) Fencing: a second producer initialises the same transactional id while the first has a transaction open.
 * The first one's next send and its commit must fail, recognisably, and none of its records may be committed.
 */
export const fencing: Trap = async (client, brokers, log, topic) => {
  const id = `client-move-fence-${randomBytes(4).toString('hex')}`;
  const first = await log.value('first producer initialises the id', () =>
    client.transactionalProducer(settings(brokers, id)),
  );
  const open = await log.value('first producer begins', async () => need(first).begin());
  await log.attempt('first producer sends', async () => need(open).send([keyedBatch(topic, 'fenced-a', RECORDS)]));
  const second = await log.value('second producer initialises the same id', () =>
    client.transactionalProducer(settings(brokers, id)),
  );
  await log.attempt('first producer sends again', async () =>
    need(open).send([keyedBatch(topic, 'fenced-b', RECORDS)]),
  );
  await log.attempt('first producer commits', async () => need(open).commit());
  await closeQuietly(log, first, 'the first producer');
  const winner = await log.value('second producer begins', async () => need(second).begin());
  await log.attempt('second producer sends', async () => need(winner).send([keyedBatch(topic, 'winner', RECORDS)]));
  await log.attempt('second producer commits', async () => need(winner).commit());
  await closeQuietly(log, second, 'the second producer');
};

/**
 * (0) A worker restarted: its producer committed and closed, and a new producer of the same transactional id (the
 * same shard) initialises and commits. Nothing is fenced here but the old producer's epoch.
 */
export const reinitialise: Trap = async (client, brokers, log, topic) => {
  const id = `client-move-reinit-${randomBytes(4).toString('hex')}`;
  const first = await log.value('first producer initialises', () =>
    client.transactionalProducer(settings(brokers, id)),
  );
  const open = await log.value('first producer begins', async () => need(first).begin());
  await log.attempt('first producer sends', async () => need(open).send([keyedBatch(topic, 'first', RECORDS)]));
  await log.attempt('first producer commits', async () => need(open).commit());
  await closeQuietly(log, first, 'the first producer');
  await replayWithNewProducer(client, brokers, log, id, topic, 'after-restart');
};

/**
 * (2a) A commit the broker refuses: the transaction outlives transaction.timeout.ms, the coordinator aborts it and
 * bumps the epoch, and the commit that finally comes must fail. Then: can the same producer go on, and does a new
 * producer of the id commit the replay exactly once?
 */
export const expiredTransaction: Trap = async (client, brokers, log, topic) => {
  const id = `client-move-expire-${randomBytes(4).toString('hex')}`;
  const producer = await log.value('producer initialises (transaction timeout 3 s)', () =>
    client.transactionalProducer(settings(brokers, id, 3_000)),
  );
  const open = await log.value('begins', async () => need(producer).begin());
  await log.attempt('sends', async () => need(open).send([keyedBatch(topic, 'expired', RECORDS)]));
  // The coordinator checks for expired transactions every 10 s by default (see the broker's
  // transaction.abort.timed.out.transaction.cleanup.interval.ms); 15 s covers a timeout plus one check.
  await sleep(15_000);
  await log.attempt('commits after the transaction timed out', async () => need(open).commit());
  await log.attempt('aborts it', async () => need(open).abort());
  const again = await log.value('same producer begins again', async () => need(producer).begin());
  await log.attempt('same producer sends', async () => need(again).send([keyedBatch(topic, 'same-producer', RECORDS)]));
  await log.attempt('same producer commits', async () => need(again).commit());
  await closeQuietly(log, producer, 'the producer');
  await replayWithNewProducer(client, brokers, log, id, topic, 'replayed');
};

/**
 * (2b) An abortable failure inside a transaction: a record for a partition the topic does not have. The send should
 * fail, the abort succeed, and the next transaction of the same producer commit. A send that does not fail is
 * committed, so the read-back shows where those records went.
 */
export const badPartition: Trap = async (client, brokers, log, topic) => {
  const id = `client-move-badpart-${randomBytes(4).toString('hex')}`;
  const producer = await log.value('producer initialises', () => client.transactionalProducer(settings(brokers, id)));
  const open = await log.value('begins', async () => need(producer).begin());
  const sent = await log.attempt(`sends to partition 7 of a ${PARTITIONS}-partition topic`, async () =>
    need(open).send([keyedBatch(topic, 'bad-partition', RECORDS, 7)]),
  );
  if (sent) await log.attempt('commits the send that did not fail', async () => need(open).commit());
  else await log.attempt('aborts', async () => need(open).abort());
  const next = await log.value('same producer begins again', async () => need(producer).begin());
  await log.attempt('sends', async () => need(next).send([keyedBatch(topic, 'after-abort', RECORDS)]));
  await log.attempt('commits', async () => need(next).commit());
  await closeQuietly(log, producer, 'the producer');
};

/**
 * (3) The broker crashes (SIGKILL) and comes back while a transaction is open: does the producer finish it, and if
 * not, does a new producer of the id commit the replay exactly once? Needs a broker of our own.
 */
export function brokerRestart(broker: LocalBroker): Trap {
  return async (client, brokers, log, topic) => {
    const id = `client-move-restart-${randomBytes(4).toString('hex')}`;
    const producer = await log.value('producer initialises', () => client.transactionalProducer(settings(brokers, id)));
    const open = await log.value('begins', async () => need(producer).begin());
    await log.attempt('sends the first batch', async () => need(open).send([keyedBatch(topic, 'restart-1', RECORDS)]));
    await log.attempt(
      'broker killed and restarted',
      async () => {
        await broker.kill();
        await broker.start();
      },
      180_000,
    );
    const sent = await log.attempt('sends the second batch', async () =>
      need(open).send([keyedBatch(topic, 'restart-2', RECORDS)]),
    );
    const committed = sent && (await log.attempt('commits', async () => need(open).commit()));
    if (!committed) await log.attempt('aborts', async () => need(open).abort(), 30_000);
    await closeQuietly(log, producer, 'the producer');
    if (!committed) await replayWithNewProducer(client, brokers, log, id, topic, 'restart-replay', 2);
  };
}

/**
 * (3b) The broker crashes before a send and stays down while the send waits: the send is in flight across the
 * outage, as the connector's publish is when Kafka dies under it. The broker comes back after 10 s.
 */
export function brokerDownDuringSend(broker: LocalBroker): Trap {
  return async (client, brokers, log, topic) => {
    const id = `client-move-down-${randomBytes(4).toString('hex')}`;
    const producer = await log.value('producer initialises', () => client.transactionalProducer(settings(brokers, id)));
    const open = await log.value('begins', async () => need(producer).begin());
    await log.attempt('sends the first batch', async () => need(open).send([keyedBatch(topic, 'down-1', RECORDS)]));
    await log.attempt('broker killed', () => broker.kill());
    const restart = sleep(10_000).then(() => broker.start());
    const sent = await log.attempt(
      'sends the second batch while the broker is down (it returns after 10 s)',
      async () => need(open).send([keyedBatch(topic, 'down-2', RECORDS)]),
      150_000,
    );
    await log.attempt('broker back', () => restart, 180_000);
    const committed = sent && (await log.attempt('commits', async () => need(open).commit()));
    if (!committed) await log.attempt('aborts', async () => need(open).abort(), 30_000);
    await closeQuietly(log, producer, 'the producer');
    if (!committed) await replayWithNewProducer(client, brokers, log, id, topic, 'down-replay', 2);
  };
}

/** What the connector does after a failed transaction: a new producer of the same id, the batch sent again. */
async function replayWithNewProducer(
  client: ClientUnderTest,
  brokers: string[],
  log: StepLog,
  id: string,
  topic: string,
  prefix: string,
  batches = 1,
): Promise<void> {
  const producer = await log.value('new producer of the id initialises', () =>
    client.transactionalProducer(settings(brokers, id)),
  );
  const open: ClientTransaction | undefined = await log.value('new producer begins', async () =>
    need(producer).begin(),
  );
  await log.attempt('new producer sends the replay', async () =>
    need(open).send(Array.from({ length: batches }, (_, index) => keyedBatch(topic, `${prefix}${index + 1}`, RECORDS))),
  );
  await log.attempt('new producer commits', async () => need(open).commit());
  await closeQuietly(log, producer, 'the new producer');
}
