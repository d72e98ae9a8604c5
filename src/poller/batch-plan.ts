/**
 * A shard's batches: its users in order, quarantined ids left out, `batchSize` a batch. Planned again only when
 * the users changed (a discovered shard's list is replaced, never changed in place) or an id was quarantined (the
 * set only grows); otherwise the last cycle's batches, which nothing changes, are reused instead of copying a
 * million ids every cycle.
 */
export class BatchPlan {
  private planned: { userIds: readonly string[]; quarantined: number; batches: readonly string[][] } | undefined;

  constructor(private readonly batchSize: number) {}

  batches(userIds: readonly string[], quarantined: ReadonlySet<string>): readonly string[][] {
    const planned = this.planned;
    if (planned !== undefined && planned.userIds === userIds && planned.quarantined === quarantined.size)
      return planned.batches;
    const batches: string[][] = [];
    let batch: string[] = [];
    for (const id of userIds) {
      if (quarantined.has(id)) continue;
      batch.push(id);
      if (batch.length === this.batchSize) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
    this.planned = { userIds, quarantined: quarantined.size, batches };
    return batches;
  }
}
