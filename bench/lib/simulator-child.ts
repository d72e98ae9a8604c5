/**
 * Runs the Graph simulator in its own process for the benchmarks, steered over the IPC channel: its CPU then shows
 * up in its own /proc entry instead of in the connector's process.cpuUsage(), and its heap stays out of the
 * connector's memory figures. Started by simulator-process.ts; argv[2] is the JSON of GraphSimulatorOptions.
 */
import { startGraphSimulator, type GraphSimulatorOptions } from '../../src/simulator/index.js';
import { createServedFolder } from './soak-served.js';
import type { SimulatorReply, SimulatorRequest } from './simulator-protocol.js';

const options = JSON.parse(process.argv[2] ?? '{}') as GraphSimulatorOptions;
const simulator = await startGraphSimulator(options);
// Served presences are recorded per request, which over a long run at 100,000 users would not fit in memory:
// they are folded into distinct sequence numbers per user every few seconds (see soak-served.ts).
const served = options.recordServedPresences === true ? createServedFolder(simulator) : undefined;

function reply(message: SimulatorReply): void {
  process.send?.(message);
}

/**
 * `count` distinct user indices drawn uniformly: a partial Fisher-Yates shuffle, so that 100 % churn changes
 * every user exactly once and smaller shares never pick a user twice (a double pick would be one event, not two).
 */
function pickUsers(count: number): number[] {
  const total = simulator.userCount;
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  const picked: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (total - i));
    const chosen = order[j] ?? 0;
    order[j] = order[i] ?? 0;
    order[i] = chosen;
    picked.push(chosen);
  }
  return picked;
}

function handle(request: Exclude<SimulatorRequest, { op: 'close' }>): SimulatorReply {
  switch (request.op) {
    case 'changeShare': {
      const presenceRequestsBefore = simulator.recording.counters().presenceRequests;
      const users = pickUsers(Math.round(request.share * simulator.userCount));
      simulator.changeUsers(users);
      return { id: request.id, op: 'changeShare', changed: users.length, presenceRequestsBefore };
    }
    case 'counters':
      return { id: request.id, op: 'counters', counters: served?.counters() ?? simulator.recording.counters() };
    case 'setFaults':
      simulator.setFaults(request.faults);
      return { id: request.id, op: 'setFaults' };
    case 'served':
      return { id: request.id, op: 'served', served: served?.served() ?? {} };
    case 'arrivals':
      return {
        id: request.id,
        op: 'arrivals',
        arrivals: simulator.recording
          .requests()
          .filter((entry) => entry.route === 'presence')
          .map((entry) => ({ atMs: entry.atMonotonicMs, status: entry.status, durationMs: entry.durationMs })),
      };
    case 'reset':
      if (served !== undefined) served.reset();
      else simulator.resetRecording();
      return { id: request.id, op: 'reset' };
  }
}

process.on('message', (message: SimulatorRequest) => {
  if (message.op === 'close') {
    served?.stop();
    void simulator.close().finally(() => process.exit(0));
    return;
  }
  reply(handle(message));
});
// The parent going away (a crashed bench) must not leave a simulator behind.
process.on('disconnect', () => {
  served?.stop();
  void simulator.close().finally(() => process.exit(0));
});

reply({
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
