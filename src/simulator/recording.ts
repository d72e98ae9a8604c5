/**
 * What the simulator served, so a test can compare the Kafka topic with what polls could have seen.
 * Request entries are kept in a bounded ring (benchmarks run for hours); counters are exact and unbounded.
 */

import { ChangeStamps, type ChangeStampLog } from './change-stamps.js';
import type { DirectoryRequestInfo, DirectoryRoute } from './graph-directory.js';

export type { DirectoryRequestInfo, DirectoryRoute };

export type SimulatorRoute =
  'presence' | 'token' | 'openid-configuration' | 'instance-discovery' | 'keys' | DirectoryRoute | 'other';

const DIRECTORY_ROUTES: readonly DirectoryRoute[] = [
  'users-delta',
  'groups-delta',
  'group-members',
  'group-transitive-members',
];

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
  /** Directory routes: the round the request belongs to, entries served, resource units; null on other routes. */
  directory: DirectoryRequestInfo | null;
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

/** Rounds of one delta route, counted when their first page is answered 200. */
export interface DeltaRoundCounters {
  /** Rounds started without a token: the client read the whole directory (or group) again. */
  full: number;
  /** Rounds started from a delta link: only changes were read. */
  incremental: number;
  /** `$deltatoken=latest` requests answered. */
  latest: number;
  /** Pages served after the first of a round (nextLink requests). */
  nextPages: number;
  /** Pages that carried the deltaLink, ending a round. */
  completed: number;
}

export interface DirectoryCounters {
  /** Requests on the directory routes. */
  requests: number;
  byRoute: Record<DirectoryRoute, { requests: number; byStatus: Record<number, number> }>;
  /** Directory requests answered 429 (the directory's own budget). */
  throttled: number;
  /** Directory requests answered 403 for a missing permission. */
  forbidden: number;
  /** Delta or skip tokens answered as expired (400 syncStateNotFound or 410). */
  expiredDeltaLinks: number;
  usersDelta: DeltaRoundCounters;
  groupsDelta: DeltaRoundCounters;
  /** Objects served in `value` by 200 answers. */
  entriesServed: number;
  /** Resource units charged to admitted requests. */
  resourceUnits: number;
}

/** Read-only view handed to users of the simulator. */
export interface SimulatorRecording {
  /** Recorded requests, oldest first (at most `maxRecordedRequests`). */
  requests(): RecordedRequest[];
  counters(): RecordingCounters;
  /** Directory requests by route and status, rounds (full vs incremental), throttling and faults. */
  directoryCounters(): DirectoryCounters;
  /** Presences served for one user, oldest first; empty unless `recordServedPresences` is on. */
  servedFor(userId: string): ServedPresence[];
  /** Ids of the users with at least one served presence recorded. */
  servedUserIds(): string[];
  /** When each presence change happened (user, sequence value, time), once started: for freshness benchmarks. */
  readonly changes: ChangeStampLog;
}

export class Recorder implements SimulatorRecording {
  private ring: RecordedRequest[] = [];
  private ringStart = 0;
  private counts = emptyCounters();
  private directoryCounts = emptyDirectoryCounters();
  private readonly served = new Map<string, ServedPresence[]>();
  /** Written by the presence store at every change (runtime.ts hands it over). */
  readonly changes = new ChangeStamps();

  constructor(
    private readonly maxRequests: number,
    readonly recordServed: boolean,
  ) {}

  request(entry: RecordedRequest): void {
    this.counts.requests++;
    if (entry.route === 'presence') this.countPresence(entry);
    if (entry.route === 'token') this.counts.tokenRequests++;
    if (entry.directory !== null) this.countDirectory(entry, entry.directory);
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

  private countDirectory(entry: RecordedRequest, info: DirectoryRequestInfo): void {
    const counts = this.directoryCounts;
    counts.requests++;
    const byRoute = counts.byRoute[entry.route as DirectoryRoute];
    byRoute.requests++;
    byRoute.byStatus[entry.status] = (byRoute.byStatus[entry.status] ?? 0) + 1;
    if (entry.status === 429) counts.throttled++;
    if (entry.fault === 'missingPermission') counts.forbidden++;
    if (entry.fault === 'expiredDeltaLink') counts.expiredDeltaLinks++;
    counts.resourceUnits += info.resourceUnits;
    if (entry.status !== 200 || info.round === null) return;
    counts.entriesServed += info.entries;
    const rounds =
      entry.route === 'users-delta' ? counts.usersDelta : entry.route === 'groups-delta' ? counts.groupsDelta : null;
    if (rounds === null) return;
    if (info.round === 'next') rounds.nextPages++;
    else rounds[info.round]++;
    if (info.completed && info.round !== 'latest') rounds.completed++;
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

  directoryCounters(): DirectoryCounters {
    return structuredClone(this.directoryCounts);
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
    this.directoryCounts = emptyDirectoryCounters();
    this.served.clear();
    this.changes.clear();
  }
}

function emptyCounters(): RecordingCounters {
  return { requests: 0, presenceRequests: 0, tokenRequests: 0, throttled: 0, byStatus: {}, presencesServed: 0 };
}

function emptyRounds(): DeltaRoundCounters {
  return { full: 0, incremental: 0, latest: 0, nextPages: 0, completed: 0 };
}

function emptyDirectoryCounters(): DirectoryCounters {
  const byRoute = Object.fromEntries(DIRECTORY_ROUTES.map((route) => [route, { requests: 0, byStatus: {} }]));
  return {
    requests: 0,
    byRoute: byRoute as DirectoryCounters['byRoute'],
    throttled: 0,
    forbidden: 0,
    expiredDeltaLinks: 0,
    usersDelta: emptyRounds(),
    groupsDelta: emptyRounds(),
    entriesServed: 0,
    resourceUnits: 0,
  };
}
