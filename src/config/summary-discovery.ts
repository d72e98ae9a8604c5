/**
 * The discovery part of `check-config`: the discovered shards, where their users come from, how a user is placed,
 * the directory topic and budget, and the presence requests the discovered population adds to a polling cycle.
 * How many users discovery finds is known offline only from `discovery.estimatedUsers`, or from a count made
 * against Graph (`discoveredUsers`, which `check-config --online` is to pass in).
 */
import type { ConnectorConfig, DiscoveryConfig, DiscoverySource } from './types.js';

export const count = (n: number): string => n.toLocaleString('en-US');
export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** The presence arithmetic for a known (estimated or counted) discovered population. */
export interface DiscoveredPopulation {
  users: number;
  /** `discovery.estimatedUsers`, or counted against Graph (`check-config --online`). */
  from: 'estimatedUsers' | 'online';
  /** ceil(users / shards): a stable hash spreads users evenly, give or take. */
  usersPerShard: number;
  /** Requests per cycle of one discovered shard: ceil(users / shards / batchSize). */
  batchesPerShard: number;
  /** batchesPerShard * shards. */
  requestsPerCycle: number;
}

export interface DiscoverySummary {
  shardNames: string[];
  /** One line per source, e.g. `the whole tenant: enabled members, guests excluded`. */
  sources: string[];
  topic: string;
  intervalSeconds: number;
  followIntervalSeconds: number;
  requestBudget: { maxRequests: number; windowSeconds: number };
  concurrency: number;
  /** Absent: the discovered population is not known offline, so its presence requests are not counted. */
  population?: DiscoveredPopulation;
}

export interface DiscoverySummaryOptions {
  /**
   * Users discovery finds, counted against Graph: the hook for `check-config --online`. Wins over
   * `discovery.estimatedUsers`.
   */
  discoveredUsers?: number;
}

function describeSource(source: DiscoverySource): string {
  if (source.type === 'group') return `group ${source.groupId}: its users, nested groups included`;
  return source.includeGuests
    ? 'the whole tenant: enabled accounts, guests included'
    : 'the whole tenant: enabled members, guests excluded';
}

function population(
  discovery: DiscoveryConfig,
  batchSize: number,
  options: DiscoverySummaryOptions,
): DiscoveredPopulation | undefined {
  const counted = options.discoveredUsers;
  const users = counted ?? discovery.estimatedUsers;
  if (users === undefined) return undefined;
  const shards = discovery.shardNames.length;
  const batchesPerShard = Math.ceil(users / (shards * batchSize));
  return {
    users,
    from: counted === undefined ? 'estimatedUsers' : 'online',
    usersPerShard: Math.ceil(users / shards),
    batchesPerShard,
    requestsPerCycle: batchesPerShard * shards,
  };
}

export function summarizeDiscovery(
  config: Pick<ConnectorConfig, 'discovery' | 'graph'>,
  options: DiscoverySummaryOptions = {},
): DiscoverySummary | undefined {
  const { discovery } = config;
  if (discovery === undefined) return undefined;
  const known = population(discovery, config.graph.batchSize, options);
  return {
    shardNames: [...discovery.shardNames],
    sources: discovery.sources.map(describeSource),
    topic: discovery.topic,
    intervalSeconds: discovery.intervalSeconds,
    followIntervalSeconds: discovery.followIntervalSeconds,
    requestBudget: { ...discovery.requestBudget },
    concurrency: discovery.concurrency,
    ...(known === undefined ? {} : { population: known }),
  };
}

/** `discovered-0 .. discovered-7`, or the one name. */
function shardRange(names: readonly string[]): string {
  const first = names[0] ?? '';
  const last = names[names.length - 1] ?? '';
  return names.length === 1 ? first : `${first} .. ${last}`;
}

function describePopulation(discovery: DiscoverySummary): string {
  const known = discovery.population;
  if (known === undefined) {
    return (
      'not checked offline: how many users discovery will find is not known here. Set discovery.estimatedUsers ' +
      '(PRESENCE_DISCOVERY_ESTIMATED_USERS) to the expected number, or run check-config --online to count them against Graph.'
    );
  }
  const from = known.from === 'online' ? 'counted against Graph' : 'discovery.estimatedUsers';
  return (
    `${plural(known.users, 'user')} (${from}): about ${count(known.usersPerShard)} per shard, ` +
    `${plural(known.batchesPerShard, 'request')} per shard per cycle, ${count(known.requestsPerCycle)} in all`
  );
}

/** The `Shards:` heading when there is a discovery section. */
export function shardsHeading(listedShards: number, listedUsers: number, discovery: DiscoverySummary): string {
  const listed = listedShards === 0 ? 'none listed' : `${count(listedShards)} listed (${plural(listedUsers, 'user')})`;
  return `Shards: ${listed}, ${count(discovery.shardNames.length)} discovered`;
}

/** The `Discovery:` block. */
export function discoveryLines(discovery: DiscoverySummary): string[] {
  const { requestBudget } = discovery;
  const [firstSource = '', ...otherSources] = discovery.sources;
  return [
    `Discovery: ${plural(discovery.shardNames.length, 'shard')} ${shardRange(discovery.shardNames)}`,
    `  sources     ${firstSource}`,
    ...otherSources.map((source) => `              ${source}`),
    "  placement   a stable hash of a user's object id picks its discovered shard, so a user keeps its shard while",
    '              others join and leave; a user also listed in shards is polled there (explicit shards win)',
    `  directory   topic ${discovery.topic}: a round every ${discovery.intervalSeconds} s (delta query), ` +
      `other workers read the topic every ${discovery.followIntervalSeconds} s`,
    `              budget ${count(requestBudget.maxRequests)} requests per ${requestBudget.windowSeconds} s, ` +
      `apart from presence's; ${discovery.concurrency} in flight`,
    `  presence    ${describePopulation(discovery)}`,
  ];
}

/** What `Requests per cycle:` counts when there is a discovery section. */
export function requestsBreakdown(listed: number, discovery: DiscoverySummary): string {
  const known = discovery.population;
  if (known === undefined) return `${count(listed)} (listed shards only; discovered shards not counted)`;
  return `${count(listed + known.requestsPerCycle)} (${count(listed)} listed + ${count(known.requestsPerCycle)} discovered)`;
}
