/**
 * What the simulator served, so a test can compare the Kafka topic with what polls could have seen.
 * Request entries are kept in a bounded ring (benchmarks run for hours); counters are exact and unbounded.
 */

export type SimulatorRoute = 'presence' | 'token' | 'openid-configuration' | 'instance-discovery' | 'keys' | 'other';

export interface RecordedRequest {
  route: SimulatorRoute;
  /** `performance.now()` when the request arrived: for intervals. */
  atMonotonicMs: number;
  /** `Date.now()` when the request arrived: for correlating with logs and Kafka timestamps. */
  atWallMs: number;
  /** Time from arrival to the response being written, including injected latency. */
  durationMs: number;
  status: number;
  /** The Retry-After header value sent, if any. */
  retryAfter: string | null;
  /** The application the bearer token (or token request) belonged to; null when unknown. */
  clientId: string | null;
  /** Ids in the presence request body; 0 for other routes or an unreadable body. */
  idsCount: number;
  /** Presence objects in a 200 body (0 when the body was deliberately broken). */
  presencesServed: number;
  /** The `request-id` header sent, which Graph also puts in `innerError`. */
  requestId: string;
  /** Injected fault that shaped this response, if any (e.g. `serverError`, `truncatedJson`). */
  fault: string | null;
}

/** One presence as served in an intact 200 response. */
export interface ServedPresence {
  sequenceNumber: string | null;
  availability: string;
  activity: string;
  atWallMs: number;
}

export interface RecordingCounters {
  /** Requests on every route. */
  requests: number;
  presenceRequests: number;
  tokenRequests: number;
  /** Presence requests answered 429. */
  throttled: number;
  byStatus: Record<number, number>;
  /** Presence objects served in intact 200 responses. */
  presencesServed: number;
}

/** Read-only view handed to users of the simulator. */
export interface SimulatorRecording {
  /** Recorded requests, oldest first (at most `maxRecordedRequests`). */
  requests(): RecordedRequest[];
  counters(): RecordingCounters;
  /** Presences served for one user, oldest first; empty unless `recordServedPresences` is on. */
  servedFor(userId: string): ServedPresence[];
  /** Ids of the users with at least one served presence recorded. */
  servedUserIds(): string[];
}

export class Recorder implements SimulatorRecording {
  private ring: RecordedRequest[] = [];
  private ringStart = 0;
  private counts = emptyCounters();
  private readonly served = new Map<string, ServedPresence[]>();

  constructor(
    private readonly maxRequests: number,
    readonly recordServed: boolean,
  ) {}

  request(entry: RecordedRequest): void {
    this.counts.requests++;
    if (entry.route === 'presence') this.countPresence(entry);
    if (entry.route === 'token') this.counts.tokenRequests++;
    this.counts.byStatus[entry.status] = (this.counts.byStatus[entry.status] ?? 0) + 1;
    if (this.maxRequests === 0) return;
    if (this.ring.length < this.maxRequests) {
      this.ring.push(entry);
      return;
    }
    this.ring[this.ringStart] = entry;
    this.ringStart = (this.ringStart + 1) % this.maxRequests;
  }

  private countPresence(entry: RecordedRequest): void {
    this.counts.presenceRequests++;
    this.counts.presencesServed += entry.presencesServed;
    if (entry.status === 429) this.counts.throttled++;
  }

  servedPresence(userId: string, presence: ServedPresence): void {
    const list = this.served.get(userId);
    if (list === undefined) this.served.set(userId, [presence]);
    else list.push(presence);
  }

  requests(): RecordedRequest[] {
    return [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
  }

  counters(): RecordingCounters {
    return { ...this.counts, byStatus: { ...this.counts.byStatus } };
  }

  servedFor(userId: string): ServedPresence[] {
    return [...(this.served.get(userId.toLowerCase()) ?? [])];
  }

  servedUserIds(): string[] {
    return [...this.served.keys()];
  }

  reset(): void {
    this.ring = [];
    this.ringStart = 0;
    this.counts = emptyCounters();
    this.served.clear();
  }
}

function emptyCounters(): RecordingCounters {
  return { requests: 0, presenceRequests: 0, tokenRequests: 0, throttled: 0, byStatus: {}, presencesServed: 0 };
}
