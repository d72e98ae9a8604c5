/** Starts the simulator child (simulator-child.ts) and talks to it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GraphSimulatorOptions, RecordingCounters, SimulatorFaults } from '../../src/simulator/index.js';
import type {
  Arrival,
  ServedSequences,
  SimulatorInfo,
  SimulatorReply,
  SimulatorRequest,
} from './simulator-protocol.js';

const CHILD = fileURLToPath(new URL('./simulator-child.ts', import.meta.url));

export interface SimulatorProcess {
  readonly info: SimulatorInfo;
  readonly pid: number;
  changeShare(share: number): Promise<{ changed: number; presenceRequestsBefore: number }>;
  counters(): Promise<RecordingCounters>;
  arrivals(): Promise<Arrival[]>;
  reset(): Promise<void>;
  /** Merges into the simulator's faults now, e.g. a 5xx storm in the middle of a soak. */
  setFaults(faults: Partial<SimulatorFaults>): Promise<void>;
  /** Distinct sequence numbers served per user; empty unless started with `recordServedPresences`. */
  served(): Promise<ServedSequences>;
  close(): Promise<void>;
}

type Request = Exclude<SimulatorRequest, { op: 'close' }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export async function startSimulatorProcess(options: GraphSimulatorOptions): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (reply: SimulatorReply) => void>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<SimulatorInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator child exited with ${code} before it was ready`)));
    child.on('message', (message: SimulatorReply) => {
      if (message.op === 'ready') resolve(message.info);
      else waiting.get(message.id)?.(message);
    });
  });

  function ask<Op extends Request['op']>(
    request: DistributiveOmit<Extract<Request, { op: Op }>, 'id'>,
  ): Promise<Extract<SimulatorReply, { op: Op }>> {
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, (reply) => {
        waiting.delete(id);
        resolve(reply as Extract<SimulatorReply, { op: Op }>);
      });
      child.send({ ...request, id });
    });
  }

  return {
    info,
    pid: child.pid ?? 0,
    async changeShare(share) {
      const reply = await ask<'changeShare'>({ op: 'changeShare', share });
      return { changed: reply.changed, presenceRequestsBefore: reply.presenceRequestsBefore };
    },
    async counters() {
      return (await ask<'counters'>({ op: 'counters' })).counters;
    },
    async arrivals() {
      return (await ask<'arrivals'>({ op: 'arrivals' })).arrivals;
    },
    async reset() {
      await ask<'reset'>({ op: 'reset' });
    },
    async setFaults(faults) {
      await ask<'setFaults'>({ op: 'setFaults', faults });
    },
    async served() {
      return (await ask<'served'>({ op: 'served' })).served;
    },
    async close() {
      if (child.exitCode === null && child.connected) child.send({ op: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
