/** Counts records in flight and makes publishers wait while the bound is reached. */
export class RecordCapacity {
  private inFlight = 0;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly maxRecords: number) {}

  async acquire(count: number): Promise<void> {
    if (this.fits(count) && this.waiters.length === 0) {
      this.inFlight += count;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push({ count, resolve }));
  }

  release(count: number): void {
    this.inFlight -= count;
    while (this.waiters.length > 0 && this.fits(this.waiters[0]?.count ?? 0)) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) break;
      this.inFlight += waiter.count;
      waiter.resolve();
    }
  }

  get recordsInFlight(): number {
    return this.inFlight;
  }

  // A batch larger than the whole bound still goes through alone, or it would wait forever.
  private fits(count: number): boolean {
    return this.inFlight === 0 || this.inFlight + count <= this.maxRecords;
  }
}
