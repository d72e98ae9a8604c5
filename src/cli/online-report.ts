/**
 * The report of `check-config --online`: what each discovery source returned, the watched set and its spread over
 * the discovered shards, and the presence budget for that population, worked out by the config summary with the
 * counted users in place of `discovery.estimatedUsers`.
 */
import { formatSummary, summarizeConfig, type ConnectorConfig, type DiscoveryConfig } from '../config/index.js';
import { WatchRule, type RoundReport, type WatchedDirectory } from '../discovery/index.js';
import type { ConnectorError } from '../errors.js';

/** One full discovery round, resolved against Graph by online-check.ts. */
export interface OnlineRound {
  discovery: DiscoveryConfig;
  directory: WatchedDirectory;
  rule: WatchRule;
  /** Users listed in the config's own shards: polled there, never in a discovered shard. */
  explicit: ReadonlySet<string>;
  report: RoundReport;
  /** Per source (`tenant` or a group id): why it could not be read in full, a missing group included. */
  failures: ReadonlyMap<string, ConnectorError>;
  roundMs: number;
  requests: { answered: number; retried: number; throttled: number };
}

export const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Time since `since` (a performance.now() reading), e.g. `1.25 s`. */
export function elapsed(since: number): string {
  return seconds(performance.now() - since);
}

interface Counts {
  /** Users the tenant source returned, by kind: every one is exactly one of members, guests, disabled. */
  tenant: { read: number; members: number; guests: number; disabled: number };
  /** Per configured group: users among its transitive members, and how many of them are disabled. */
  groups: Map<string, { found: number; disabled: number }>;
  /** Watched users found by more than one source: watched once. */
  several: number;
  /** Watched users that a listed shard polls (explicit shards win). */
  listed: number;
}

/** Counts from the watched directory the round filled: a user a paged source returned twice counts once. */
function countEntries(round: OnlineRound): Counts {
  const { directory, rule, explicit } = round;
  // The tenant source alone, with and without guests: tells members, guests and disabled accounts apart by the
  // same rule that decides who is watched.
  const anyAccount = new WatchRule([{ type: 'tenant', includeGuests: true }]);
  const membersOnly = new WatchRule([{ type: 'tenant', includeGuests: false }]);
  const counts: Counts = {
    tenant: { read: 0, members: 0, guests: 0, disabled: 0 },
    groups: new Map(rule.groups.map((groupId) => [groupId, { found: 0, disabled: 0 }])),
    several: 0,
    listed: 0,
  };
  const { tenant } = counts;
  for (const userId of directory.userIds()) {
    const entry = directory.entry(userId) ?? 0;
    if (anyAccount.configuredSources(entry) !== 0) {
      tenant.read++;
      if (!anyAccount.watches(entry)) tenant.disabled++;
      else if (membersOnly.watches(entry)) tenant.members++;
      else tenant.guests++;
    }
    // A user in a configured group is watched unless its account is disabled.
    const watched = rule.watches(entry);
    for (const [groupId, group] of counts.groups) {
      if ((entry & (rule.bitOfGroup(groupId) ?? 0)) === 0) continue;
      group.found++;
      if (!watched) group.disabled++;
    }
    if (watched && explicit.has(userId)) counts.listed++;
    else if (watched && bitCount(rule.configuredSources(entry)) > 1) counts.several++;
  }
  return counts;
}

function bitCount(bits: number): number {
  let n = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) n++;
  return n;
}

/**
 * The report's lines (stdout), and its problems (stderr, `CODE: message`): a source that could not be read, a
 * group Graph does not have. Without problems the watched set and the presence budget follow.
 */
export function reportLines(
  config: ConnectorConfig,
  round: OnlineRound,
  offlineWarnings: readonly string[],
): { lines: string[]; problems: string[] } {
  const counts = countEntries(round);
  const [first = '', ...others] = round.discovery.sources.map((source) =>
    source.type === 'tenant'
      ? `the whole tenant: ${tenantText(counts.tenant, source.includeGuests, round.failures.get('tenant'))}`
      : `group ${source.groupId}: ${groupText(source.groupId, counts, round)}`,
  );
  const lines = [`  sources     ${first}`, ...others.map((text) => `              ${text}`)];
  const { requests } = round;
  lines.push(
    `  directory   ${plural(requests.answered, 'request')} in ${seconds(round.roundMs)} for one full round ` +
      `(${count(requests.retried)} retried, ${count(requests.throttled)} after a Retry-After)`,
  );
  const problems = [...round.failures.values()].map((error) => `${error.code}: ${error.message}`);
  const unreadable = [...round.failures.keys()].some((source) => !round.report.missingGroups.includes(source));
  if (unreadable) {
    lines.push('  watched     not counted: a source could not be read (see the errors)');
    return { lines, problems };
  }
  lines.push(...watchedLines(round, counts), ...budgetLines(config, round.directory.watchedCount, offlineWarnings));
  return { lines, problems };
}

function tenantText(tenant: Counts['tenant'], includeGuests: boolean, failure: ConnectorError | undefined): string {
  if (failure !== undefined) return `could not be read (${failure.code}) after ${plural(tenant.read, 'user')}`;
  return (
    `${plural(tenant.read, 'user')} read: ${count(tenant.members)} enabled members (watched), ` +
    `${count(tenant.guests)} enabled guests (${includeGuests ? 'watched' : 'not watched'}), ` +
    `${count(tenant.disabled)} disabled (not watched)`
  );
}

function groupText(groupId: string, counts: Counts, round: OnlineRound): string {
  const failure = round.failures.get(groupId);
  if (round.report.missingGroups.includes(groupId)) return 'MISSING: Graph has no group with this id (404)';
  const group = counts.groups.get(groupId) ?? { found: 0, disabled: 0 };
  if (failure !== undefined) return `could not be read (${failure.code}) after ${plural(group.found, 'user')}`;
  return `${plural(group.found, 'user')} with nested groups, ${count(group.disabled)} of them disabled (not watched)`;
}

/** The watched total and how evenly the stable hash spread it over the discovered shards. */
function watchedLines(round: OnlineRound, counts: Counts): string[] {
  const { directory } = round;
  const sizes = directory.shardNames.map((shard) => directory.membersOf(shard).length);
  const watched = directory.watchedCount;
  const notes = [
    ...(counts.several === 0 ? [] : [`${count(counts.several)} found by more than one source, counted once`]),
    ...(counts.listed === 0 ? [] : [`${count(counts.listed)} more also listed in shards, polled there`]),
  ];
  const mean = sizes.length === 0 ? 0 : watched / sizes.length;
  return [
    `  watched     ${plural(watched, 'user')} in discovered shards${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`,
    `              per shard: min ${count(Math.min(...sizes))}, max ${count(Math.max(...sizes))}, ` +
      `mean ${mean.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} over ${plural(sizes.length, 'shard')}`,
  ];
}

/**
 * The offline report's presence line and request budget, worked out for the counted population; and the warnings
 * that population adds (a budget that no longer fits), not those already printed offline.
 */
function budgetLines(config: ConnectorConfig, watched: number, offlineWarnings: readonly string[]): string[] {
  const summary = summarizeConfig(config, { discoveredUsers: watched });
  const budget = formatSummary(summary)
    .split('\n')
    .filter((line) => line.startsWith('  presence ') || line.startsWith('Requests per cycle:'));
  const added = summary.warnings.filter((warning) => !offlineWarnings.includes(warning));
  return [...budget, ...(added.length === 0 ? [] : ['Warnings:', ...added.map((warning) => `  - ${warning}`)])];
}
