/** What worker processes say about the shards they own, read from their info log lines. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerProcess } from '../support/worker-process.js';

/** The shards a worker process last said it polls ("polling these shards"), undefined before it said any. */
export function ownedBy(worker: WorkerProcess): string[] | undefined {
  const line = [...worker.logs].reverse().find((entry) => entry['msg'] === 'polling these shards');
  return line === undefined ? undefined : (line['owned'] as string[]);
}

/** One change of a worker's shards ("owned shards changed"): each gained shard cost a fence and a restore. */
export interface OwnershipChange {
  gained: string[];
  lost: string[];
}

/** The ownership changes a worker logged from log line `from` on. */
export function changesOf(worker: WorkerProcess, from = 0): OwnershipChange[] {
  return worker.logs
    .slice(from)
    .filter((entry) => entry['msg'] === 'owned shards changed')
    .map((entry) => ({ gained: entry['gained'] as string[], lost: entry['lost'] as string[] }));
}

/** True when the live workers own every shard exactly once between them. */
export function everyShardOnce(live: readonly WorkerProcess[], shards: readonly string[]): boolean {
  const owned = live.flatMap((worker) => ownedBy(worker) ?? []);
  return (
    owned.length === shards.length && new Set(owned).size === shards.length && shards.every((s) => owned.includes(s))
  );
}

/** Waits until `condition` holds; resolves with how long that took. */
export async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}
