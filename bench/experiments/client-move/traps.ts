/**
 * How kafkajs, @confluentinc/kafka-javascript and @platformatic/kafka handle the failures an exactly-once
 * connector meets: fencing, a commit the broker refuses, an abortable send, and a broker crash mid-transaction.
 * Most run on the given broker; the two restart traps start a broker of their own (never the shared one).
 *
 *   node --import tsx bench/experiments/client-move/traps.ts --brokers "$KAFKA_BROKERS"
 *     [--clients kafkajs,confluent,platformatic] [--traps reinit,fencing,expired,bad-partition,restart,down-during-send]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalBroker, type LocalBroker } from '../../../scripts/kafka/index.js';
import { loadClients } from './load-clients.js';
import {
  badPartition,
  brokerDownDuringSend,
  brokerRestart,
  expiredTransaction,
  fencing,
  reinitialise,
  runTrap,
  type TrapResult,
} from './trap-cases.js';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '' },
    clients: { type: 'string', default: 'kafkajs,confluent,platformatic' },
    traps: { type: 'string', default: 'reinit,fencing,expired,bad-partition,restart,down-during-send' },
  },
});
const shared = (values.brokers ?? '').split(',').filter((broker) => broker !== '');
const clients = await loadClients(values.clients ?? '');
const wanted = new Set((values.traps ?? '').split(','));
const results: TrapResult[] = [];

const onShared = [
  ['reinit', reinitialise],
  ['fencing', fencing],
  ['expired', expiredTransaction],
  ['bad-partition', badPartition],
] as const;
for (const [name, trap] of onShared) {
  if (!wanted.has(name)) continue;
  if (shared.length === 0) throw new Error('give --brokers or set KAFKA_BROKERS for the traps on the shared broker');
  for (const client of clients) results.push(await runTrap(name, trap, client, shared));
}

if (wanted.has('restart') || wanted.has('down-during-send')) {
  // A broker of our own on its own port: the trap kills it, which must never happen to the shared one.
  const broker: LocalBroker = await startLocalBroker();
  try {
    if (wanted.has('restart'))
      for (const client of clients)
        results.push(await runTrap('restart', brokerRestart(broker), client, broker.brokers));
    if (wanted.has('down-during-send'))
      for (const client of clients)
        results.push(await runTrap('down-during-send', brokerDownDuringSend(broker), client, broker.brokers));
  } finally {
    await broker.dispose();
  }
}

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/client-move-traps-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stderr.write(`results written to ${file}\n`);
// librdkafka's background threads and kafkajs's retry timers may outlive their clients by a while.
process.exit(0);
