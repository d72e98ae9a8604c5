/**
 * When each presence change happened in the simulator, for freshness benchmarks: one stamp (user index, sequence
 * value, wall time) per change, read back by sequence value. Graph's response stays as documented; a bench asks
 * the simulator for the stamps and matches them with what reached Kafka. Off until started: a demo or a soak runs
 * for hours and must not grow by 20 bytes a change.
 */

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Stamps kept at most (200 MB); later changes are counted in `dropped`, never stored. */
export const MAX_CHANGE_STAMPS = 10_000_000;
const INITIAL_CAPACITY = 4096;

/** A page of stamps, as plain arrays (they cross process boundaries as JSON). */
export interface ChangeStampPage {
  /** Position of the first stamp of the page in the log; the next page starts at `from + userIndex.length`. */
  from: number;
  userIndex: number[];
  /** The value of the sequence number served for the change (its digits). */
  sequence: number[];
  /** When the presence changed: wallClockMs() of the simulator, or the expiry time of an expired status message. */
  atMs: number[];
  /** Stamps not kept because the log was full. */
  dropped: number;
}

/** What users of the simulator see of the log. */
export interface ChangeStampLog {
  /** Starts stamping changes from now on (stamps already taken are kept). */
  start(): void;
  stop(): void;
  readonly stamping: boolean;
  /** Stamps taken so far. */
  readonly size: number;
  /** Up to `limit` stamps from position `from`. */
  page(from: number, limit: number): ChangeStampPage;
}

export class ChangeStamps implements ChangeStampLog {
  private users = new Int32Array(INITIAL_CAPACITY);
  private sequences = new Float64Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private length = 0;
  private droppedCount = 0;
  private on = false;

  constructor(
    private readonly now: () => number = wallClockMs,
    private readonly maxStamps: number = MAX_CHANGE_STAMPS,
  ) {}

  start(): void {
    this.on = true;
  }

  stop(): void {
    this.on = false;
  }

  get stamping(): boolean {
    return this.on;
  }

  get size(): number {
    return this.length;
  }

  /** Called by the store at every change; `atMs` when the change happened earlier than now (a lazy expiry). */
  record(userIndex: number, sequence: number, atMs?: number): void {
    if (!this.on) return;
    if (this.length >= this.maxStamps) {
      this.droppedCount++;
      return;
    }
    if (this.length === this.users.length) this.grow();
    this.users[this.length] = userIndex;
    this.sequences[this.length] = sequence;
    this.times[this.length] = atMs ?? this.now();
    this.length++;
  }

  page(from: number, limit: number): ChangeStampPage {
    const start = Math.max(0, Math.min(from, this.length));
    const end = Math.min(this.length, start + Math.max(0, limit));
    return {
      from: start,
      userIndex: Array.from(this.users.subarray(start, end)),
      sequence: Array.from(this.sequences.subarray(start, end)),
      atMs: Array.from(this.times.subarray(start, end)),
      dropped: this.droppedCount,
    };
  }

  /** Forgets every stamp; stamping stays on or off as it was. */
  clear(): void {
    this.length = 0;
    this.droppedCount = 0;
  }

  private grow(): void {
    const capacity = Math.min(this.maxStamps, this.users.length * 2);
    const users = new Int32Array(capacity);
    const sequences = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    users.set(this.users);
    sequences.set(this.sequences);
    times.set(this.times);
    this.users = users;
    this.sequences = sequences;
    this.times = times;
  }
}
