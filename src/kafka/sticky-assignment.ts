/**
 * Sticky sharing of a group's partitions, as a pure function: no Kafka client type, so that it is tested alone and
 * survives a change of client library. Every move of a shard costs a fence and a state restore, so the assignment
 * keeps each partition with the member that holds it and moves only what balance or a departure requires.
 */

/** A member of the group and the partitions it says it held in the last generation it took part in. */
export interface StickyMember {
  memberId: string;
  /** Partitions the member held; an empty list for a new member or one whose claim lapsed. */
  claimed: readonly number[];
  /**
   * The group generation the claim was granted in, -1 when unknown. Two members claiming one partition (a member
   * expelled while paused or cut off still claims what the group has since given to another) are told apart by it.
   */
  generation: number;
}

/**
 * Assigns `partitions` to `members`: balanced (counts differ by at most one), every partition to exactly one
 * member, and as few moves as that allows.
 *
 * 1. A partition claimed by several members goes to the claim of the highest generation, then (a tie, which a
 *    healthy group never produces) to the smallest member id: the same input always gives the same answer.
 * 2. Members keep what they hold up to their fair share; the members that hold the most get the one-larger shares,
 *    so the fewest partitions are released.
 * 3. Released and unclaimed partitions go, in ascending order, each to the member furthest below its share.
 *
 * Claims of partitions not in `partitions` (the topic was recreated smaller) are ignored.
 */
export function assignSticky(partitions: readonly number[], members: readonly StickyMember[]): Map<string, number[]> {
  const topic = new Set(partitions);
  const ordered = [...members].sort((a, b) => compareIds(a.memberId, b.memberId));
  const held = resolveClaims(topic, ordered);
  const targets = fairShares(topic.size, ordered, held);
  const result = new Map<string, number[]>();
  // A member above its share keeps its lowest partitions and releases the rest.
  for (const { memberId } of ordered)
    result.set(memberId, (held.get(memberId) ?? []).slice(0, targets.get(memberId) ?? 0));
  const kept = new Set([...result.values()].flat());
  // The released partitions and those nobody claimed: every partition of the topic not kept.
  const free = [...topic].filter((partition) => !kept.has(partition)).sort((a, b) => a - b);
  for (const partition of free) {
    const taker = mostBelowShare(ordered, result, targets);
    if (taker === undefined) break;
    result.get(taker)?.push(partition);
  }
  for (const assigned of result.values()) assigned.sort((a, b) => a - b);
  return result;
}

/** Each partition of the topic to at most one claimant (see assignSticky, step 1); the holdings sorted. */
function resolveClaims(partitions: ReadonlySet<number>, ordered: readonly StickyMember[]): Map<string, number[]> {
  const winner = new Map<number, StickyMember>();
  for (const member of ordered) {
    for (const partition of new Set(member.claimed)) {
      if (!partitions.has(partition)) continue;
      const current = winner.get(partition);
      // `ordered` is by member id, so on equal generations the first claimant (the smallest id) stays.
      if (current === undefined || member.generation > current.generation) winner.set(partition, member);
    }
  }
  const held = new Map<string, number[]>(ordered.map((member) => [member.memberId, []]));
  for (const [partition, member] of winner) held.get(member.memberId)?.push(partition);
  for (const holding of held.values()) holding.sort((a, b) => a - b);
  return held;
}

/**
 * floor(n / m) each, and one more for n mod m members: those holding the most (then by id), since a member that
 * holds more than its share must release the difference.
 */
function fairShares(
  count: number,
  ordered: readonly StickyMember[],
  held: ReadonlyMap<string, readonly number[]>,
): Map<string, number> {
  if (ordered.length === 0) return new Map();
  const base = Math.floor(count / ordered.length);
  const larger = count % ordered.length;
  const byHolding = [...ordered].sort(
    (a, b) =>
      (held.get(b.memberId)?.length ?? 0) - (held.get(a.memberId)?.length ?? 0) || compareIds(a.memberId, b.memberId),
  );
  return new Map(byHolding.map((member, index) => [member.memberId, base + (index < larger ? 1 : 0)]));
}

/** The member with the largest deficit against its share (then the smallest id), or none when all are full. */
function mostBelowShare(
  ordered: readonly StickyMember[],
  result: ReadonlyMap<string, readonly number[]>,
  targets: ReadonlyMap<string, number>,
): string | undefined {
  let best: string | undefined;
  let bestDeficit = 0;
  for (const { memberId } of ordered) {
    const deficit = (targets.get(memberId) ?? 0) - (result.get(memberId)?.length ?? 0);
    if (deficit > bestDeficit) [best, bestDeficit] = [memberId, deficit];
  }
  return best;
}

/** Code-unit order, the same on every worker whatever its locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
