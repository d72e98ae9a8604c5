/**
 * Keeps the watched directory current on every worker. The directory topic is the one source of truth: every
 * worker reads it (at start to its end, then every followInterval), and one worker, the owner of the first
 * discovered shard, also runs the discovery rounds that write it. Owning that shard makes the writer unique:
 * taking the shard over fences the previous owner's producer, so two rounds never interleave their records, and
 * a new discoverer first reads the topic to its end, then resumes from the link stored there.
 */
import type { Logger } from '../observability/index.js';
import { backoffDelayMs, isRetriable, waitUnlessAborted, type BackoffPolicy } from '../retry/index.js';
import { toError } from '../errors.js';
import type { WatchRule } from './directory-entry.js';
import type { DirectoryRecord, DirectoryRecordCodec } from './directory-records.js';
import { runDiscoveryRound, type DirectoryReader, type RoundReport } from './discovery-round.js';
import type { WatchedDirectory } from './watched-directory.js';

/** The directory topic as discovery reads it (src/kafka through the pipeline's wiring). */
export interface DirectoryLog {
  /**
   * Reads the committed records from `fromOffset` (undefined: the beginning) to the end the topic has now, in
   * order; resolves with the offset to read from next time.
   */
  read(fromOffset: string | undefined, onRecord: (record: DirectoryRecord, offset: string) => void): Promise<string>;
}

export interface DiscoveryObserver {
  onRound?(report: RoundReport & { durationMs: number; watched: number }): void;
  onRoundFailed?(info: { error: Error; retryInMs: number }): void;
  onFollowed?(info: { records: number; watched: number }): void;
  onLeading?(leading: boolean): void;
}

export interface DiscoveryServiceParts {
  directory: WatchedDirectory;
  rule: WatchRule;
  codec: DirectoryRecordCodec;
  reader: DirectoryReader;
  log: DirectoryLog;
  /** Publishes records through the first discovered shard; resolves once Kafka acknowledged them. */
  write: (records: DirectoryRecord[]) => Promise<void>;
  intervalMs: number;
  followIntervalMs: number;
  /** Records per write. */
  chunkSize: number;
  /** Backoff of a failed round; capped by the interval. */
  backoff: BackoffPolicy;
  logger: Logger;
  observer?: DiscoveryObserver;
  now?: () => number;
}

export class DiscoveryService {
  private readonly stopping = new AbortController();
  private nextOffset: string | undefined;
  private storedLink: string | undefined;
  /** Users whose record on the topic names no configured source: the discoverer deletes them. */
  private readonly staleKeys = new Set<string>();
  private leading = false;
  private leadership: AbortController | undefined;
  /** Ends the loop's current pause early: gaining leadership starts a round at once, not after followInterval. */
  private wake: AbortController | undefined;
  private roundDueAt = 0;
  private failedRounds = 0;
  private loop: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly parts: DiscoveryServiceParts) {
    this.now = parts.now ?? Date.now;
  }

  /** Reads the directory topic to its end: the watched set as the last discoverer left it. */
  async load(): Promise<number> {
    return this.follow();
  }

  /** Follows the topic, and runs rounds while leading, until stop(). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Whether this worker owns the first discovered shard, and so discovers; gaining it starts a round at once. */
  setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.leadership?.abort();
    this.leadership = leading ? new AbortController() : undefined;
    this.roundDueAt = 0;
    this.failedRounds = 0;
    if (leading) this.wake?.abort();
    this.parts.observer?.onLeading?.(leading);
    this.parts.logger.info({ leading }, leading ? 'this worker now discovers users' : 'another worker discovers users');
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.leadership?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      await this.tick();
      const untilRound = this.leading ? this.roundDueAt - this.now() : Infinity;
      const pause = Math.max(0, Math.min(this.parts.followIntervalMs, untilRound));
      await this.pause(pause);
    }
  }

  /** Waits `ms`, or less when stopping or when leadership was gained meanwhile. */
  private async pause(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) return;
    const wake = new AbortController();
    const onStop = (): void => wake.abort();
    signal.addEventListener('abort', onStop, { once: true });
    this.wake = wake;
    try {
      await waitUnlessAborted(ms, wake.signal);
    } finally {
      signal.removeEventListener('abort', onStop);
      this.wake = undefined;
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.follow();
    } catch (error) {
      // A record that does not decode fails every read at the same offset: a person must look at the topic.
      const failure = toError(error);
      const level = isRetriable(failure) ? 'warn' : 'error';
      this.parts.logger[level]({ err: failure }, 'reading the directory topic failed; retried at the next tick');
      return;
    }
    const leadership = this.leadership;
    if (!this.leading || leadership === undefined || this.now() < this.roundDueAt) return;
    await this.round(leadership.signal);
  }

  private async follow(): Promise<number> {
    let records = 0;
    this.nextOffset = await this.parts.log.read(this.nextOffset, (record, offset) => {
      records++;
      const decoded = this.parts.codec.decode(record, offset);
      if (decoded.kind === 'deltaLink') this.storedLink = decoded.link;
      if (decoded.kind !== 'user') return;
      const stale = decoded.entry !== undefined && this.parts.rule.configuredSources(decoded.entry) === 0;
      if (stale) this.staleKeys.add(decoded.userId);
      else this.staleKeys.delete(decoded.userId);
      this.parts.directory.set(decoded.userId, decoded.entry);
    });
    if (records > 0) this.parts.observer?.onFollowed?.({ records, watched: this.parts.directory.watchedCount });
    return records;
  }

  private async round(signal: AbortSignal): Promise<void> {
    const started = this.now();
    this.roundDueAt = started + this.parts.intervalMs;
    const { directory, rule, codec, reader, chunkSize } = this.parts;
    try {
      await this.deleteStaleKeys();
      const report = await runDiscoveryRound(
        { directory, rule, codec, reader, chunkSize, signal, write: (records) => this.parts.write(records) },
        rule.hasTenant ? this.storedLink : undefined,
      );
      this.storedLink = report.deltaLink;
      this.failedRounds = 0;
      const durationMs = this.now() - started;
      this.parts.observer?.onRound?.({ ...report, durationMs, watched: directory.watchedCount });
      this.logRound(report, durationMs);
    } catch (error) {
      if (signal.aborted) return; // leadership lost or stopping: the next discoverer starts over
      const failure = toError(error);
      const retryInMs = isRetriable(failure)
        ? Math.min(this.parts.intervalMs, backoffDelayMs(this.failedRounds++, this.parts.backoff))
        : this.parts.intervalMs;
      this.roundDueAt = this.now() + retryInMs;
      this.parts.observer?.onRoundFailed?.({ error: failure, retryInMs });
      // A person must act on what no retry cures (a missing permission, a page Graph should never send).
      const level = isRetriable(failure) ? 'warn' : 'error';
      this.parts.logger[level](
        { err: failure, retryInS: Math.round(retryInMs / 1000) },
        `discovery round failed: ${failure.message}; the watched set stays as it was`,
      );
    }
  }

  private async deleteStaleKeys(): Promise<void> {
    if (!this.parts.rule.hasTenant && this.storedLink !== undefined) {
      // The tenant source was removed (and its users deleted as stale keys): should it come back, it must start
      // with a full round, not resume a link from before those deletions, which would never return them.
      await this.parts.write([this.parts.codec.deltaLink(undefined)]);
      this.storedLink = undefined;
    }
    if (this.staleKeys.size === 0) return;
    const keys = [...this.staleKeys];
    for (let start = 0; start < keys.length; start += this.parts.chunkSize) {
      const chunk = keys.slice(start, start + this.parts.chunkSize);
      await this.parts.write(chunk.map((userId) => this.parts.codec.user(userId, undefined)));
      for (const userId of chunk) this.staleKeys.delete(userId);
    }
  }

  private logRound(report: RoundReport, durationMs: number): void {
    const { directory } = this.parts;
    const fields = {
      tenantRound: report.tenantRound,
      groups: this.parts.rule.groups.length,
      entriesRead: report.entriesRead,
      changed: report.changed,
      watched: directory.watchedCount,
      known: directory.size,
      ms: durationMs,
    };
    if (report.expiredReason !== undefined) {
      this.parts.logger.warn(
        { ...fields, reason: report.expiredReason },
        'the stored delta link could not be followed; read the directory in full and reconciled',
      );
    } else if (report.missingGroups.length > 0) {
      this.parts.logger.error(
        { ...fields, missingGroups: report.missingGroups },
        'Graph has no group with these ids: check discovery.sources; their members are no longer watched',
      );
    } else {
      this.parts.logger.info(fields, 'discovery round done');
    }
  }
}
