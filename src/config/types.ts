/**
 * The validated, resolved configuration the rest of the connector runs on. Built from the schema's output type,
 * with what the loader resolves on top: credentials as `Secret`, cloud URLs and scope, user ids per shard.
 */
import type { CertificateCredential } from './credentials.js';
import type { FileConfig } from './schema.js';
import type { Secret } from './secret.js';
import type { ShardConfig } from './shards.js';

export type { CertificateCredential, ShardConfig };

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
  /** Absolute path of the extra CA bundle, checked readable at load. */
  caFile?: string;
};

export type KafkaConfig = Omit<FileConfig['kafka'], 'clientId' | 'stateTopic'> & {
  /** Defaults to connectorName. */
  clientId: string;
  /** Defaults to `<connectorName>.presence-state`. */
  stateTopic: string;
};

export type PollingConfig = FileConfig['polling'];
export type ShutdownConfig = FileConfig['shutdown'];
export type ObservabilityConfig = FileConfig['observability'];

export interface ConnectorConfig {
  /** Absolute path of the config file it was loaded from. */
  configFile: string;
  connectorName: string;
  tenant: TenantConfig;
  graph: GraphConfig;
  kafka: KafkaConfig;
  polling: PollingConfig;
  /** Unique names; user ids lowercase and unique across shards; never empty. */
  shards: ShardConfig[];
  shutdown: ShutdownConfig;
  observability: ObservabilityConfig;
}
