/**
 * Configuration: one YAML/JSON file plus `PRESENCE_*` environment overrides, validated against one zod schema.
 * See schema.ts for the settings, settings.ts for the environment variable rule and the reference generator.
 */
export { loadConfig, type LoadConfigOptions } from './load.js';
export type {
  AssignmentConfig,
  CertificateCredential,
  ConnectorConfig,
  DiscoveryConfig,
  DiscoverySource,
  GraphConfig,
  KafkaConfig,
  KafkaSaslConfig,
  KafkaSaslMechanism,
  KafkaTlsConfig,
  ObservabilityConfig,
  PollingConfig,
  SchemaRegistryAuth,
  SchemaRegistryConfig,
  ShardConfig,
  ShutdownConfig,
  TenantConfig,
} from './types.js';
export { Secret } from './secret.js';
export {
  summarizeConfig,
  formatSummary,
  type ConfigSummary,
  type ShardSummary,
  type BudgetSummary,
  type DiscoveredPopulation,
  type DiscoverySummary,
  type SummaryOptions,
} from './summary.js';
export {
  describeSections,
  describeSettings,
  envVarName,
  type SectionDoc,
  type SettingDoc,
  type SettingValue,
} from './settings.js';
export { formatProblem, type ConfigProblem } from './problems.js';
export { configSchema, type FileConfig, type FileConfigInput, type SettingMeta } from './schema.js';
export { CLOUD_NAMES, NATIONAL_CLOUDS, type CloudName } from './clouds.js';
export type { ConfigWarning, EnvSource } from './env-overrides.js';
