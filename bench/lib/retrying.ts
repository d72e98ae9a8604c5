/** Retries a bench set-up step that a busy shared broker can fail transiently (topic creation, metadata). */
import { setTimeout as sleep } from 'node:timers/promises';

export async function retrying<T>(what: string, attempts: number, step: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await step();
    } catch (error) {
      last = error;
      await sleep(500 * attempt);
    }
  }
  throw new Error(`${what} failed ${attempts} times: ${String(last)}`, { cause: last });
}
