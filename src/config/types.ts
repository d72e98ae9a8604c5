/**
 * The validated, resolved configuration the rest of the connector runs on. Built from the schema's output type,
 * with what the loader resolves on top: credentials as `Secret`, cloud URLs and scope, user ids per shard.
 */
import type { CertificateCredential } from './credentials.js';
import type { SchemaRegistryAuth } from './registry-credentials.js';
import type { FileConfig } from './schema.js';
import type { Secret } from './secret.js';
import type { ShardConfig } from './shards.js';

export type { CertificateCredential, SchemaRegistryAuth, ShardConfig };

export interface TenantConfig {
  /** Tenant GUID or domain, lowercase. */
  id: string;
  /** Application (client) id, lowercase GUID. */
  clientId: string;
  /** Exactly one of `clientSecret` and `certificate` is set. */
  clientSecret?: Secret;
  certificate?: CertificateCredential;
  /** Where the secret or key came from (`env PRESENCE_TENANT_CLIENT_SECRET`, `file /run/secrets/x`); never the value. */
  credentialSource: string;
}

export type GraphConfig = Omit<FileConfig['graph'], 'graphUrl' | 'authorityUrl' | 'caFile'> & {
  /** Graph service root, e.g. https://graph.microsoft.com (no trailing slash). */
  graphUrl: string;
  /** Authority host without tenant, e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityUrl: string;
  /** Client-credentials scope: `${graphUrl}/.default`. */
  scope: string;
  /** Absolute path of the extra CA bundle, for messages; set together with `caPem`. */
  caFile?: string;
  /** The extra CA bundle (PEM), read and checked at load so that the worker does no file I/O of its own. */
  caPem?: string;
};

export type KafkaConfig = Omit<
  FileConfig['kafka'],
  'clientId' | 'stateTopic' | 'tls' | 'sasl' | 'table' | 'watermarks'
> & {
  /** Defaults to connectorName. */
  clientId: string;
  /** The table of current presence; absent when kafka.table.enabled is false. Names and counts resolved. */
  table?: { topic: string; partitions: number };
  /** The watermark topic; absent when kafka.watermarks.enabled is false. */
  watermarkTopic?: string;
  /** Defaults to `<connectorName>.presence-state`. */
  stateTopic: string;
  /** Present only when kafka.tls.enabled; files already read and checked. */
  tls?: KafkaTlsConfig;
  /** Present only when kafka.sasl is configured. */
  sasl?: KafkaSaslConfig;
};

/**
 * TLS to the brokers, with its files read at load so that a missing or mismatched file stops the start instead of
 * the first connection. The field names match the sink's `KafkaConnectionOptions['ssl']`.
 */
export interface KafkaTlsConfig {
  /** Absolute path of kafka.tls.caFile, for messages. */
  caFile?: string;
  /** PEM CA bundle that replaces Node's public roots; absent: the public roots. */
  caPem?: string;
  /** PEM client certificate (chain); set together with `privateKey`. */
  certificatePem?: string;
  privateKey?: Secret;
  rejectUnauthorized: boolean;
  servername?: string;
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** The field names match the sink's `KafkaConnectionOptions['sasl']`. */
export interface KafkaSaslConfig {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: Secret;
  /** Where the password came from (`env PRESENCE_KAFKA_SASL_PASSWORD`, `file /run/secrets/x`); never the value. */
  passwordSource: string;
}

/** Present only when the config has a schemaRegistry section; files and credentials already read. */
export type SchemaRegistryConfig = Omit<
  NonNullable<FileConfig['schemaRegistry']>,
  'url' | 'caFile' | 'apiKey' | 'apiKeyFile' | 'apiSecret' | 'apiSecretFile' | 'bearerToken' | 'bearerTokenFile'
> & {
  /** Without a trailing slash. */
  url: string;
  /** Absolute path of schemaRegistry.caFile, for messages; set together with `caPem`. */
  caFile?: string;
  caPem?: string;
  auth?: SchemaRegistryAuth;
  /** Where the credentials came from; never the values. */
  credentialSource?: string;
};

export type PollingConfig = FileConfig['polling'];
export type ShutdownConfig = FileConfig['shutdown'];
export type ObservabilityConfig = FileConfig['observability'];
export type AssignmentConfig = Omit<FileConfig['assignment'], 'coordinationTopic'> & {
  /** Defaults to `<connectorName>.shards`. */
  coordinationTopic: string;
};

/** Where discovered users come from; several may be combined (a user found twice is watched once). */
export type DiscoverySource =
  | {
      type: 'tenant';
      /** Guests (`userType: Guest`) too; members only when false. */
      includeGuests: boolean;
    }
  | {
      type: 'group';
      /** The group's object id, lowercase; its transitive members (nested groups included), users only. */
      groupId: string;
    };

/** Users found in Entra ID instead of listed by hand; absent when the config has no discovery section. */
export interface DiscoveryConfig {
  sources: DiscoverySource[];
  /** The discovered shards' names, `<shardPrefix>-<index>`; a user's shard is a stable hash of its id. */
  shardNames: string[];
  /** Seconds between the starts of two discovery rounds. */
  intervalSeconds: number;
  /** Seconds between two reads of the directory topic by a worker that does not run discovery itself. */
  followIntervalSeconds: number;
  /** The compacted topic holding the watched set and the delta links. Defaults to `<connectorName>.directory`. */
  topic: string;
  /** The directory's own request budget, apart from presence's. */
  requestBudget: { maxRequests: number; windowSeconds: number };
  /** Directory requests in flight at once. */
  concurrency: number;
  /** For check-config's arithmetic only: the users discovery is expected to find. */
  estimatedUsers?: number;
}

export interface ConnectorConfig {
  /** Absolute path of the config file it was loaded from. */
  configFile: string;
  connectorName: string;
  tenant: TenantConfig;
  graph: GraphConfig;
  kafka: KafkaConfig;
  /** Absent: event values are plain Avro, as before the registry support. */
  schemaRegistry?: SchemaRegistryConfig;
  polling: PollingConfig;
  /**
   * The shards listed by hand. Unique names; user ids lowercase and unique across shards; empty only when
   * `discovery` is set. A user listed here is polled here even when discovery finds it too (explicit wins).
   */
  shards: ShardConfig[];
  discovery?: DiscoveryConfig;
  shutdown: ShutdownConfig;
  assignment: AssignmentConfig;
  observability: ObservabilityConfig;
}
