/** Starts the freshness benchmark's simulator child (freshness-simulator-child.ts) and talks to it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RecordingCounters } from '../../src/simulator/index.js';
import type {
  ChangeStampPage,
  FreshnessArgs,
  FreshnessMessage,
  FreshnessOp,
  FreshnessReply,
  FreshnessSimulatorStart,
} from './freshness-protocol.js';
import type { SimulatorInfo } from './simulator-protocol.js';

const CHILD = fileURLToPath(new URL('./freshness-simulator-child.ts', import.meta.url));
/** Stamps per IPC message: a page is JSON, and 100,000 stamps are about 4 MB of it. */
const PAGE = 100_000;

export interface FreshnessSimulator {
  readonly info: SimulatorInfo;
  readonly pid: number;
  startStamps(): Promise<number>;
  stopStamps(): Promise<number>;
  stampCount(): Promise<number>;
  /** Every stamp from `from` on, in pages. */
  stampsFrom(from: number): Promise<ChangeStampPage>;
  counters(): Promise<RecordingCounters>;
  close(): Promise<void>;
}

export async function startFreshnessSimulator(start: FreshnessSimulatorStart): Promise<FreshnessSimulator> {
  const child: ChildProcess = fork(CHILD, [JSON.stringify(start)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (reply: FreshnessReply<FreshnessOp>) => void>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<SimulatorInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator child exited with ${code} before it was ready`)));
    child.on('message', (message: FreshnessMessage) => {
      if (message.op === 'ready') resolve(message.info);
      else waiting.get(message.id)?.(message.reply);
    });
  });

  function ask<Op extends FreshnessOp>(op: Op, args: FreshnessArgs<Op>): Promise<FreshnessReply<Op>> {
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, (reply) => {
        waiting.delete(id);
        resolve(reply as FreshnessReply<Op>);
      });
      child.send({ ...args, op, id });
    });
  }

  return {
    info,
    pid: child.pid ?? 0,
    startStamps: async () => (await ask('startStamps', {})).position,
    stopStamps: async () => (await ask('stopStamps', {})).size,
    stampCount: async () => (await ask('stampCount', {})).size,
    async stampsFrom(from) {
      let all: ChangeStampPage = { from, userIndex: [], sequence: [], atMs: [], dropped: 0 };
      for (;;) {
        const { page } = await ask('stamps', { from: from + all.userIndex.length, limit: PAGE });
        // concat, not push(...page): a spread of 100,000 arguments can overflow the stack.
        all = {
          from,
          userIndex: all.userIndex.concat(page.userIndex),
          sequence: all.sequence.concat(page.sequence),
          atMs: all.atMs.concat(page.atMs),
          dropped: page.dropped,
        };
        if (page.userIndex.length < PAGE) return all;
      }
    },
    counters: async () => (await ask('counters', {})).counters,
    async close() {
      if (child.exitCode === null && child.connected) child.send({ op: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
