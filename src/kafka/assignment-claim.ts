/**
 * What a member of the worker group tells the leader, in its join metadata, about the partitions it holds: the
 * sticky assigner (sticky-assigner.ts) keeps each partition with its holder. No Kafka client type here.
 */

/** The partitions a member held, per topic, and the group generation that granted them (-1: unknown). */
export interface AssignmentClaim {
  owned: Record<string, number[]>;
  generation: number;
}

/** Version of the userData layout; a layout a later version cannot read gets a new protocol name instead. */
const CLAIM_VERSION = 1;

const NO_CLAIM: AssignmentClaim = { owned: {}, generation: -1 };

export function encodeClaim(claim: AssignmentClaim): Buffer {
  return Buffer.from(JSON.stringify({ v: CLAIM_VERSION, ...claim }), 'utf8');
}

/**
 * The claim in a member's userData. Anything unreadable (empty, from another assigner, damaged) is read as no claim:
 * the member then only loses the stickiness of its partitions, which the assignment hands out again, so failing the
 * whole group's assignment over it would be worse. Fields a later version adds are ignored.
 */
export function decodeClaim(userData: Buffer | undefined): AssignmentClaim {
  if (userData === undefined || userData.length === 0) return NO_CLAIM;
  let parsed: unknown;
  try {
    parsed = JSON.parse(userData.toString('utf8'));
  } catch {
    return NO_CLAIM; // not ours: see above
  }
  if (typeof parsed !== 'object' || parsed === null) return NO_CLAIM;
  const { owned, generation } = parsed as { owned?: unknown; generation?: unknown };
  if (typeof owned !== 'object' || owned === null) return NO_CLAIM;
  const topics: Record<string, number[]> = {};
  for (const [topic, partitions] of Object.entries(owned)) {
    if (Array.isArray(partitions)) topics[topic] = partitions.filter((p): p is number => Number.isSafeInteger(p));
  }
  return {
    owned: topics,
    generation: typeof generation === 'number' && Number.isSafeInteger(generation) ? generation : -1,
  };
}

/**
 * This member's own claim: what the last assignment gave it, and the generation a heartbeat confirmed it in.
 * A member that has not been confirmed for a session timeout was in all likelihood expelled (paused, cut off) and
 * its partitions given to others, so it claims nothing when it joins again rather than pull them back.
 */
export class OwnClaim {
  private memberId: string | undefined;
  private owned: Record<string, number[]> = {};
  private generation = -1;
  private confirmedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sessionTimeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The group's new assignment reached this member. Its generation is learnt from the next heartbeat. */
  assigned(memberId: string, owned: Record<string, number[]>): void {
    this.memberId = memberId;
    this.owned = Object.fromEntries(Object.entries(owned).map(([topic, partitions]) => [topic, [...partitions]]));
    this.generation = -1;
    this.confirmedAt = this.now();
  }

  /** A heartbeat of this member succeeded in this generation: the coordinator still counts it in. */
  confirmed(memberId: string, generation: number): void {
    if (memberId !== this.memberId) return;
    this.generation = generation;
    this.confirmedAt = this.now();
  }

  /** What to advertise when joining now. */
  current(): AssignmentClaim {
    if (this.now() - this.confirmedAt > this.sessionTimeoutMs) return NO_CLAIM;
    return { owned: this.owned, generation: this.generation };
  }
}
