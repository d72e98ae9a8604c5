/**
 * What a configuration amounts to, for `check-config`: shards and their sizes, Graph requests per polling cycle
 * and whether they fit the tenant's request budget. Contacts nothing and never includes a secret.
 */
import type { CloudName } from './clouds.js';
import {
  count,
  discoveryLines,
  plural,
  requestsBreakdown,
  shardsHeading,
  summarizeDiscovery,
  type DiscoverySummary,
  type DiscoverySummaryOptions,
} from './summary-discovery.js';
import type { ConnectorConfig } from './types.js';

export type { DiscoveredPopulation, DiscoverySummary } from './summary-discovery.js';
export type SummaryOptions = DiscoverySummaryOptions;

export interface ShardSummary {
  name: string;
  users: number;
  /** Requests per cycle: ceil(users / batchSize). */
  batches: number;
}

export interface BudgetSummary {
  maxRequests: number;
  windowSeconds: number;
  intervalSeconds: number;
  /** Requests the budget allows over one polling interval: maxRequests * intervalSeconds / windowSeconds. */
  allowedPerInterval: number;
  requestsPerCycle: number;
  fits: boolean;
  /** Shortest polling interval at which a cycle fits the budget. */
  minIntervalSeconds: number;
}

export interface ConfigSummary {
  configFile: string;
  connectorName: string;
  tenantId: string;
  clientId: string;
  /** Kind and source, e.g. `client secret (env PRESENCE_TENANT_CLIENT_SECRET)`; never the value. */
  credential: string;
  cloud: CloudName;
  graphUrl: string;
  authorityUrl: string;
  apiVersion: string;
  batchSize: number;
  concurrency: number;
  kafka: {
    brokers: string[];
    clientId: string;
    topic: string;
    partitions: number;
    replicationFactor: number;
    compression: string;
    /** TLS and SASL, e.g. `TLS (CA /etc/kafka/ca.pem), SASL scram-sha-512 as alice (password env ...)`; never a secret. */
    security: string;
    /** The other topics written, e.g. `table teams.presence.current (6 partitions), watermarks ...`. */
    outputs: string;
  };
  /** `plain Avro (no schema registry)`, or the registry, its subject strategy and credentials; never a secret. */
  values: string;
  polling: { intervalSeconds: number; startJitterSeconds: number; resnapshotIntervalHours: number };
  /** The shards listed by hand. */
  shards: ShardSummary[];
  /** Users of the listed shards. */
  totalUsers: number;
  /** Absent without a discovery section. */
  discovery?: DiscoverySummary;
  /** Requests of the listed shards, plus the discovered ones' when their population is known. */
  budget: BudgetSummary;
  warnings: string[];
}

function describeCredential(config: ConnectorConfig): string {
  const { certificate, credentialSource } = config.tenant;
  if (certificate === undefined) return `client secret (${credentialSource})`;
  const x5c = certificate.certificatePem === undefined ? '' : ', sends x5c';
  return `certificate ${certificate.thumbprintSha256} (key ${credentialSource}${x5c})`;
}

function describeOutputs(kafka: ConnectorConfig['kafka']): string {
  const table =
    kafka.table === undefined ? 'no table' : `table ${kafka.table.topic} (${kafka.table.partitions} partitions)`;
  const watermarks = kafka.watermarkTopic === undefined ? 'no watermarks' : `watermarks ${kafka.watermarkTopic}`;
  return `${table}, ${watermarks}, state ${kafka.stateTopic} (${kafka.statePartitions} partitions)`;
}

function describeResnapshot(hours: number): string {
  return hours === 0 ? 'no periodic re-snapshot' : `unchanged presences re-published every ${hours} h`;
}

function describeKafkaSecurity(kafka: ConnectorConfig['kafka']): string {
  const { tls, sasl } = kafka;
  const parts: string[] = [];
  if (tls === undefined) {
    parts.push('plaintext');
  } else {
    const details = [
      tls.caFile === undefined ? 'public CAs' : `CA ${tls.caFile}`,
      ...(tls.certificatePem === undefined ? [] : ['client certificate']),
      ...(tls.servername === undefined ? [] : [`server name ${tls.servername}`]),
      ...(tls.rejectUnauthorized ? [] : ['CERTIFICATES NOT VERIFIED']),
    ];
    parts.push(`TLS (${details.join(', ')})`);
  }
  parts.push(
    sasl === undefined ? 'no SASL' : `SASL ${sasl.mechanism} as ${sasl.username} (password ${sasl.passwordSource})`,
  );
  return parts.join(', ');
}

function describeValues(config: ConnectorConfig): string {
  const registry = config.schemaRegistry;
  if (registry === undefined) return 'plain Avro (no schema registry)';
  const credentials =
    registry.auth === undefined
      ? 'no credentials'
      : `${registry.auth.kind === 'basic' ? 'API key and secret' : 'bearer token'} (${registry.credentialSource ?? ''})`;
  return (
    `Confluent-framed Avro, schema registry ${registry.url} (${registry.subjectNameStrategy}, ` +
    `${registry.autoRegister ? 'auto-register' : 'look up only'}, ${credentials})`
  );
}

export function requestBudgetFit(
  requestsPerCycle: number,
  config: Pick<ConnectorConfig, 'graph' | 'polling'>,
): BudgetSummary {
  const { maxRequests, windowSeconds } = config.graph.requestBudget;
  const { intervalSeconds } = config.polling;
  const allowedPerInterval = Math.floor((maxRequests * intervalSeconds) / windowSeconds);
  return {
    maxRequests,
    windowSeconds,
    intervalSeconds,
    allowedPerInterval,
    requestsPerCycle,
    fits: requestsPerCycle <= allowedPerInterval,
    minIntervalSeconds: Math.max(1, Math.ceil((requestsPerCycle * windowSeconds) / maxRequests)),
  };
}

function warningsFor(config: ConnectorConfig, budget: BudgetSummary): string[] {
  const warnings: string[] = [];
  if (!budget.fits) {
    warnings.push(
      `${budget.requestsPerCycle} requests per cycle exceed the request budget over one polling interval ` +
        `(${budget.maxRequests} per ${budget.windowSeconds} s allows ${budget.allowedPerInterval} per ${budget.intervalSeconds} s): ` +
        `cycles will overrun polling.intervalSeconds. The budget is per application per tenant; raise ` +
        `polling.intervalSeconds to at least ${budget.minIntervalSeconds} or poll fewer users.`,
    );
  }
  if (config.kafka.maxBufferedEvents < config.graph.batchSize) {
    warnings.push(
      `kafka.maxBufferedEvents (${config.kafka.maxBufferedEvents}) is smaller than one Graph batch (graph.batchSize ${config.graph.batchSize}).`,
    );
  }
  if (config.kafka.sasl?.mechanism === 'plain' && config.kafka.tls === undefined) {
    warnings.push('kafka.sasl.mechanism plain without kafka.tls.enabled sends the Kafka password unencrypted.');
  }
  if (config.kafka.tls?.rejectUnauthorized === false) {
    warnings.push('kafka.tls.rejectUnauthorized is false: any server can pose as the brokers.');
  }
  if (config.graph.apiVersion === 'beta')
    warnings.push('graph.apiVersion is beta: Microsoft may change it without notice.');
  return warnings;
}

/** `options.discoveredUsers`: the hook for `check-config --online` (users counted against Graph). */
export function summarizeConfig(config: ConnectorConfig, options: SummaryOptions = {}): ConfigSummary {
  const { batchSize } = config.graph;
  const shards = config.shards.map((shard) => ({
    name: shard.name,
    users: shard.userIds.length,
    batches: Math.ceil(shard.userIds.length / batchSize),
  }));
  const discovery = summarizeDiscovery(config, options);
  const listedRequests = shards.reduce((sum, shard) => sum + shard.batches, 0);
  const requestsPerCycle = listedRequests + (discovery?.population?.requestsPerCycle ?? 0);
  const budget = requestBudgetFit(requestsPerCycle, config);
  return {
    configFile: config.configFile,
    connectorName: config.connectorName,
    tenantId: config.tenant.id,
    clientId: config.tenant.clientId,
    credential: describeCredential(config),
    cloud: config.graph.cloud,
    graphUrl: config.graph.graphUrl,
    authorityUrl: config.graph.authorityUrl,
    apiVersion: config.graph.apiVersion,
    batchSize,
    concurrency: config.graph.concurrency,
    kafka: {
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      topic: config.kafka.topic,
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
      compression: config.kafka.compression,
      security: describeKafkaSecurity(config.kafka),
      outputs: describeOutputs(config.kafka),
    },
    values: describeValues(config),
    polling: { ...config.polling },
    shards,
    totalUsers: shards.reduce((sum, shard) => sum + shard.users, 0),
    ...(discovery === undefined ? {} : { discovery }),
    budget,
    warnings: warningsFor(config, budget),
  };
}

function requestsText(summary: ConfigSummary): string {
  if (summary.discovery === undefined) return count(summary.budget.requestsPerCycle);
  const listed = summary.shards.reduce((sum, shard) => sum + shard.batches, 0);
  return requestsBreakdown(listed, summary.discovery);
}

/** The `check-config` report. */
export function formatSummary(summary: ConfigSummary): string {
  const { kafka, budget, discovery } = summary;
  const replication = kafka.replicationFactor === -1 ? 'broker default' : String(kafka.replicationFactor);
  const nameWidth = Math.max(8, ...summary.shards.map((shard) => shard.name.length)) + 2;
  const lines = [
    `Configuration OK: ${summary.configFile}`,
    `  connector   ${summary.connectorName}`,
    `  tenant      ${summary.tenantId}, app ${summary.clientId}`,
    `  credential  ${summary.credential}`,
    `  graph       ${summary.graphUrl}/${summary.apiVersion} (cloud ${summary.cloud}), authority ${summary.authorityUrl}`,
    `              batch size ${summary.batchSize}, concurrency ${summary.concurrency}`,
    `  kafka       ${kafka.brokers.join(',')} -> ${kafka.topic} (${kafka.partitions} partitions, replication ${replication}, ${kafka.compression}), client id ${kafka.clientId}`,
    `              ${kafka.security}`,
    `              ${kafka.outputs}`,
    `  values      ${summary.values}`,
    `  polling     every ${summary.polling.intervalSeconds} s, shards start within ${summary.polling.startJitterSeconds} s, ${describeResnapshot(summary.polling.resnapshotIntervalHours)}`,
    discovery === undefined
      ? `Shards: ${summary.shards.length}, ${plural(summary.totalUsers, 'user')}`
      : shardsHeading(summary.shards.length, summary.totalUsers, discovery),
    ...summary.shards.map(
      (shard) =>
        `  ${shard.name.padEnd(nameWidth)}${plural(shard.users, 'user').padStart(16)}  ${plural(shard.batches, 'request')} per cycle`,
    ),
    ...(discovery === undefined ? [] : discoveryLines(discovery)),
    `Requests per cycle: ${requestsText(summary)}; budget ${count(budget.maxRequests)} per ${budget.windowSeconds} s allows ` +
      `${count(budget.allowedPerInterval)} per ${budget.intervalSeconds} s interval: ${budget.fits ? 'fits' : 'DOES NOT FIT'}`,
  ];
  if (summary.warnings.length > 0) lines.push('Warnings:', ...summary.warnings.map((warning) => `  - ${warning}`));
  return lines.join('\n');
}
