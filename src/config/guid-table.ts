/**
 * A hash table from GUID (four 32-bit words) to where it was first seen (two integers), in typed arrays: no string
 * hashing and no per-entry objects, so a million user ids are checked for duplicates in tens of milliseconds.
 * Open addressing with linear probing; grows at 3/4 load.
 */
const EMPTY = -1;

function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

export class GuidTable {
  private capacity = 0;
  private count = 0;
  private keys = new Uint32Array(0);
  /** First value per slot, EMPTY for a free slot; must be >= 0 when stored. */
  private firsts = new Int32Array(0);
  private seconds = new Int32Array(0);

  constructor(expected = 1024) {
    this.allocate(GuidTable.capacityFor(expected));
  }

  get size(): number {
    return this.count;
  }

  private static capacityFor(entries: number): number {
    let capacity = 16;
    while (capacity * 3 < entries * 4) capacity *= 2;
    return capacity;
  }

  /** Makes room for `more` entries at once, so a large file costs no rehashing. */
  reserve(more: number): void {
    const capacity = GuidTable.capacityFor(this.count + more);
    if (capacity > this.capacity) this.rehash(capacity);
  }

  /**
   * Stores (first, second) for the GUID in `words` unless it is present. Returns -1 when it was new, or the
   * slot holding the earlier entry (read it with `firstAt` / `secondAt`).
   */
  putIfAbsent(words: Uint32Array, first: number, second: number): number {
    if ((this.count + 1) * 4 > this.capacity * 3) this.rehash(this.capacity * 2);
    const slot = this.find(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
    if ((this.firsts[slot] ?? EMPTY) !== EMPTY) return slot;
    this.store(slot, words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0, first, second);
    return -1;
  }

  firstAt(slot: number): number {
    return this.firsts[slot] ?? EMPTY;
  }

  secondAt(slot: number): number {
    return this.seconds[slot] ?? EMPTY;
  }

  /** The slot holding this GUID, or the free slot where it belongs. */
  private find(a: number, b: number, c: number, d: number): number {
    const mask = this.capacity - 1;
    const keys = this.keys;
    let slot = mix(a, b, c, d) & mask;
    for (;;) {
      if ((this.firsts[slot] ?? EMPTY) === EMPTY) return slot;
      const k = slot * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private store(slot: number, a: number, b: number, c: number, d: number, first: number, second: number): void {
    const k = slot * 4;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = c;
    this.keys[k + 3] = d;
    this.firsts[slot] = first;
    this.seconds[slot] = second;
    this.count++;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * 4);
    this.firsts = new Int32Array(capacity).fill(EMPTY);
    this.seconds = new Int32Array(capacity);
    this.count = 0;
  }

  private rehash(capacity: number): void {
    const { keys, firsts, seconds } = this;
    this.allocate(capacity);
    for (let slot = 0; slot < firsts.length; slot++) {
      const first = firsts[slot] ?? EMPTY;
      if (first === EMPTY) continue;
      const k = slot * 4;
      const a = keys[k] ?? 0;
      const b = keys[k + 1] ?? 0;
      const c = keys[k + 2] ?? 0;
      const d = keys[k + 3] ?? 0;
      this.store(this.find(a, b, c, d), a, b, c, d, first, seconds[slot] ?? 0);
    }
  }
}
