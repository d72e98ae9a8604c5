/**
 * Experiment behind a proposal in BENCHMARKS.md, no broker needed: the CPU kafkajs 2.2.4 spends grouping one
 * transaction's messages by partition (producer/groupMessagesPerPartition.js, called for every send), as shipped
 * and with a linear version, for the transaction sizes TransactionalPublisher.takeGroup builds: N events keyed by
 * user id over 6 partitions plus N state records pinned to one partition.
 *
 *   npx tsx bench/experiments/group-messages-cost.ts
 */
import { createRequire } from 'node:module';
import { Partitioners, type PartitionerArgs } from 'kafkajs';

interface GroupArgs {
  topic: string;
  partitionMetadata: PartitionerArgs['partitionMetadata'];
  messages: PartitionerArgs['message'][];
  partitioner: (args: PartitionerArgs) => number;
}
type Group = (args: GroupArgs) => Record<number, PartitionerArgs['message'][]>;

const require = createRequire(import.meta.url);
const shipped = require('kafkajs/src/producer/groupMessagesPerPartition.js') as Group;

const linear: Group = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, PartitionerArgs['message'][]> = {};
  for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return result;
};

const partitioner = Partitioners.DefaultPartitioner();
const metadata = (count: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
const rounds = 5;
for (const events of [650, 1300, 2600, 5200, 9750]) {
  const messages = Array.from({ length: events }, (_, i) => ({
    key: `e0afbaae-ed9a-4432-9505-${String(i).padStart(12, '0')}`,
    value: Buffer.alloc(250),
  }));
  const state = messages.map((message) => ({ ...message, partition: 7 }));
  const line: string[] = [];
  for (const [name, group] of [
    ['shipped', shipped],
    ['linear', linear],
  ] as const) {
    const started = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      group({ topic: 'events', partitionMetadata: metadata(6), messages, partitioner });
      group({ topic: 'state', partitionMetadata: metadata(12), messages: state, partitioner });
    }
    const used = process.cpuUsage(started);
    line.push(`${name} ${((used.user + used.system) / 1000 / rounds).toFixed(1)} CPU-ms`);
  }
  process.stdout.write(
    `${String(events).padStart(5)} events + ${events} state records per transaction: ${line.join(', ')}\n`,
  );
}
