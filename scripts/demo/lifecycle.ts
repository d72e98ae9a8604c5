/** Starting things in order, and stopping them in reverse, also when Ctrl-C comes in the middle of a start. */
import { toError } from '../../src/errors.js';

/** Things to stop, most recently started first. */
export class Resources {
  private readonly stack: Array<{ name: string; stop: () => Promise<void> }> = [];

  constructor(private readonly say: (message: string) => void) {}

  /** `name` is said while stopping; undefined for a step nobody needs to hear about. */
  add(name: string | undefined, stop: () => Promise<void>): void {
    this.stack.push({ name: name ?? '', stop });
  }

  async stopAll(): Promise<boolean> {
    let clean = true;
    for (let item = this.stack.pop(); item !== undefined; item = this.stack.pop()) {
      if (item.name !== '') this.say(`stopping ${item.name}`);
      try {
        await item.stop();
      } catch (error) {
        clean = false;
        this.say(`  stopping ${item.name === '' ? 'a part of the demo' : item.name} failed: ${toError(error).message}`);
      }
    }
    return clean;
  }
}

export class Stopped extends Error {}

/**
 * Waits for a start-up step unless Ctrl-C comes first. Without `abandon` the caller has already registered how to
 * stop the thing being started; with it, a step that completes after Ctrl-C is undone by it.
 */
export async function step<T>(
  work: Promise<T>,
  stop: Promise<NodeJS.Signals>,
  abandon?: (value: T) => Promise<void>,
): Promise<T> {
  const first = await Promise.race([work.then((value) => ({ value })), stop.then(() => undefined)]);
  if (first === undefined) {
    // After Ctrl-C a step that still fails has nothing left to report: stopping is what usually makes it fail (the
    // broker host exits, a start is aborted), and the user already asked for everything to stop.
    if (abandon !== undefined) await work.then(abandon, () => undefined);
    else work.catch(() => undefined);
    throw new Stopped();
  }
  return first.value;
}
