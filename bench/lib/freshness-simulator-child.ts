/**
 * The simulator child of the freshness benchmark. Unlike simulator-child.ts it drives churn on a timer: the
 * simulator's own churn is applied lazily when a presence request arrives, so a worker that waits for its budget
 * would see no change happen while it waits, and every change would be stamped at a request's arrival. Here
 * changes happen every `churnTickMs` whatever the worker does, uniformly in time as a population's would.
 * argv[2] is the JSON of FreshnessSimulatorStart.
 */
import { startGraphSimulator, type GraphSimulatorOptions } from '../../src/simulator/index.js';
import type {
  FreshnessMessage,
  FreshnessOp,
  FreshnessReply,
  FreshnessRequest,
  FreshnessSimulatorStart,
} from './freshness-protocol.js';

const start = JSON.parse(process.argv[2] ?? '{}') as FreshnessSimulatorStart;
const simulator = await startGraphSimulator({
  ...(start.options as GraphSimulatorOptions),
  changesPerMinuteShare: start.changesPerMinuteShare,
  autoChurn: false,
});

let last = performance.now();
const churn = setInterval(() => {
  const now = performance.now();
  // tick() carries fractions over, so a small population still gets its exact share per minute.
  simulator.tick((now - last) / 60_000);
  last = now;
}, start.churnTickMs);

function send(message: FreshnessMessage): void {
  process.send?.(message);
}

function handle(request: FreshnessRequest): FreshnessReply<FreshnessOp> {
  const { changes } = simulator.recording;
  switch (request.op) {
    case 'startStamps':
      changes.start();
      return { position: changes.size };
    case 'stopStamps':
      changes.stop();
      return { size: changes.size };
    case 'stampCount':
      return { size: changes.size };
    case 'stamps':
      return { page: changes.page(request.from, request.limit) };
    case 'counters':
      return { counters: simulator.recording.counters() };
  }
}

function close(): void {
  clearInterval(churn);
  void simulator.close().finally(() => process.exit(0));
}

process.on('message', (message: FreshnessRequest | { op: 'close' }) => {
  if (message.op === 'close') {
    close();
    return;
  }
  send({ op: 'reply', id: message.id, reply: handle(message) });
});
// The parent going away (a crashed bench) must not leave a simulator behind.
process.on('disconnect', close);

send({
  op: 'ready',
  info: {
    graphUrl: simulator.graphUrl,
    authorityUrl: simulator.authorityUrl,
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
    caCertificatePem: simulator.caCertificatePem,
    userCount: simulator.userCount,
  },
});
