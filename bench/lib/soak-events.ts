/**
 * The disruptions of a soak, run beside the sampling: a broker crash (SIGKILL) and restart on the same port, and a
 * storm of Graph 5xx answers. Each records when it happened, for the verification windows and the report.
 */
import type { LocalBroker } from '../../scripts/kafka/index.js';
import { progress } from './scenario.js';
import type { SimulatorProcess } from './simulator-process.js';
import type { SoakWorker } from './soak-worker.js';
import { metricSum } from './soak-sample.js';

export interface BrokerRestart {
  killedAtMs: number;
  restartedAtMs: number;
  /** The worker's first committed transaction after the restart; null if none came within the wait. */
  firstCommitAtMs: number | null;
}

export interface Storm {
  fromMs: number;
  toMs: number;
  serverErrorShare: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function committed(worker: SoakWorker): Promise<number> {
  const text = await worker.metrics().catch(() => '');
  return metricSum(text, 'presence_kafka_transactions_total', 'outcome="committed"') ?? 0;
}

/** Crash, stay down `downSeconds`, start again; then wait (up to `recoverSeconds`) for a commit. */
export async function restartBroker(
  broker: LocalBroker,
  worker: SoakWorker,
  downSeconds: number,
  recoverSeconds: number,
): Promise<BrokerRestart> {
  const killedAtMs = Date.now();
  progress(`broker: SIGKILL (a crash), down for ${downSeconds} s`);
  await broker.kill();
  await sleep(downSeconds * 1000);
  await broker.start();
  const restartedAtMs = Date.now();
  const before = await committed(worker);
  progress(`broker: back after ${Math.round((restartedAtMs - killedAtMs) / 1000)} s; waiting for a commit`);
  const deadline = Date.now() + recoverSeconds * 1000;
  while (Date.now() < deadline) {
    if ((await committed(worker)) > before) {
      const firstCommitAtMs = Date.now();
      progress(`broker: first commit ${Math.round((firstCommitAtMs - restartedAtMs) / 1000)} s after the restart`);
      return { killedAtMs, restartedAtMs, firstCommitAtMs };
    }
    await sleep(500);
  }
  progress(`broker: no commit within ${recoverSeconds} s of the restart`);
  return { killedAtMs, restartedAtMs, firstCommitAtMs: null };
}

export async function graphStorm(simulator: SimulatorProcess, share: number, seconds: number): Promise<Storm> {
  const fromMs = Date.now();
  progress(`Graph: ${Math.round(share * 100)} % of presence requests answered 500/503/504 for ${seconds} s`);
  await simulator.setFaults({ serverErrorShare: share, serverErrorStatuses: [500, 503, 504] });
  await sleep(seconds * 1000);
  await simulator.setFaults({ serverErrorShare: 0 });
  const toMs = Date.now();
  progress('Graph: storm over');
  return { fromMs, toMs, serverErrorShare: share };
}
