/**
 * loadConfig: file -> YAML -> (literal secrets out) -> environment overrides -> schema -> resolvers (secrets,
 * certificate, CA file, user-id files) -> ConnectorConfig. Every step adds to one problem list; if it is not
 * empty at the end, one ConnectorError(CONFIG_INVALID) lists them all.
 */
import path from 'node:path';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { graphScope, NATIONAL_CLOUDS, parseHttpsOrigin } from './clouds.js';
import {
  CREDENTIAL_NOT_READ,
  removeLiteralSecrets,
  resolveCaFile,
  resolveCredential,
  type GraphCaBundle,
  type ResolvedCredential,
} from './credentials.js';
import { applyEnvOverrides, unknownEnvWarnings, type ConfigWarning, type EnvSource } from './env-overrides.js';
import { readText } from './files.js';
import {
  kafkaTlsConfig,
  resolveKafkaSaslSecret,
  resolveKafkaTls,
  type KafkaSaslSecret,
  type KafkaTlsMaterial,
} from './kafka-security.js';
import { issueToProblems, type ResolveContext } from './issues.js';
import { configInvalidError, type ConfigPath, type ConfigProblem } from './problems.js';
import { objectKeysAt } from './settings.js';
import { configSchema, type FileConfig } from './schema.js';
import { resolveRegistryMaterial, type ResolvedRegistryMaterial } from './registry-credentials.js';
import { resolveDiscovery } from './schema-discovery.js';
import { derivedTopic } from './schema-outputs.js';
import { resolveShards, type ShardConfig } from './shards.js';
import type { ConnectorConfig, GraphConfig, KafkaConfig } from './types.js';
import { parseConfigText } from './yaml-source.js';

export interface LoadConfigOptions {
  /** Config file path (YAML or JSON), absolute or relative to `cwd`. */
  file: string;
  /** Environment to read `PRESENCE_*` overrides from; defaults to `process.env`. */
  env?: EnvSource;
  /** Base for relative paths; defaults to `process.cwd()`. */
  cwd?: string;
  /**
   * false: the tenant's credential (client secret or certificate) is neither required nor read, for a command
   * that never signs in to Graph (`tail` reads Kafka only). The config then has no secret, no certificate, and
   * `tenant.credentialSource` says it was not read: never hand it to a worker. Default true.
   */
  requireCredentials?: boolean;
  /**
   * Told of what is suspicious but not wrong, before anything is validated (so also when the load then fails): a
   * `PRESENCE_*` variable that names no setting, with the one it most likely meant. Default: not told.
   */
  onWarning?: (warning: ConfigWarning) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Loads, validates and resolves the configuration. Synchronous: it runs once at start, before anything else.
 * @throws ConnectorError CONFIG_FILE_UNREADABLE when the config file cannot be read,
 *   CONFIG_INVALID (details.problems: ConfigProblem[]) for everything else.
 */
export function loadConfig(options: LoadConfigOptions): ConnectorConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configFile = options.file;
  for (const warning of unknownEnvWarnings(env, configFile)) options.onWarning?.(warning);
  const absoluteFile = path.resolve(cwd, configFile);
  const text = readConfigFile(configFile, absoluteFile);

  const parsed = parseConfigText(text, configFile);
  if (!parsed.ok) throw configInvalidError(parsed.problems, configFile);

  const problems: ConfigProblem[] = [];
  const raw: unknown = withoutNulls(parsed.file.value ?? {});
  const placeContext = { configFile, origins: new Map<string, string>(), locate: parsed.file.locate };
  const literalSecretFound = removeLiteralSecrets(raw, placeContext, problems);
  const overrides = isRecord(raw)
    ? applyEnvOverrides(raw, env, configFile)
    : { origins: new Map<string, string>(), problems: [] };
  problems.push(...overrides.problems);

  const context: ResolveContext = { ...placeContext, origins: overrides.origins, cwd, problems };
  const validated = configSchema.safeParse(raw, { reportInput: true });
  if (!validated.success) problems.push(...validated.error.issues.flatMap((issue) => issueToProblems(issue, context)));

  const rawRecord = isRecord(raw) ? raw : {};
  const credential =
    options.requireCredentials === false
      ? CREDENTIAL_NOT_READ
      : resolveCredential(rawRecord.tenant, context, literalSecretFound);
  const graphCa = resolveCaFile(rawRecord.graph, context);
  const shards = resolveShards(rawRecord.shards, context);
  const kafkaTls = resolveKafkaTls(rawRecord.kafka, context);
  const kafkaSasl = resolveKafkaSaslSecret(rawRecord.kafka, context);
  const registry = resolveRegistryMaterial(rawRecord.schemaRegistry, context);

  if (problems.length > 0 || !validated.success || credential === undefined) {
    if (problems.length === 0) problems.push({ file: configFile, path: 'tenant', message: 'no usable credential' });
    throw configInvalidError(problems, configFile);
  }
  return assemble(validated.data, {
    configFile: absoluteFile,
    credential,
    graphCa,
    shards,
    kafkaTls,
    kafkaSasl,
    registry,
  });
}

/**
 * `key:` with nothing after it (YAML null) means "not set": dropped, or an empty section where a section is
 * expected, so a section whose lines are all commented out gets its defaults (or names its required settings).
 */
function withoutNulls(value: unknown, path: ConfigPath = []): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutNulls(item, [...path, index]));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPath = [...path, key];
    const replaced =
      item === null ? (objectKeysAt(itemPath) === undefined ? undefined : {}) : withoutNulls(item, itemPath);
    // defineProperty: a `__proto__` key stays a plain (unknown) key instead of replacing the prototype.
    if (replaced !== undefined)
      Object.defineProperty(out, key, { value: replaced, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readConfigFile(configFile: string, absoluteFile: string): string {
  const read = readText(absoluteFile);
  if (read.ok) return read.text;
  const problem: ConfigProblem = { file: configFile, path: '', message: `cannot read config file: ${read.reason}` };
  throw new ConnectorError(ErrorCodes.CONFIG_FILE_UNREADABLE, `cannot read config file ${configFile}: ${read.reason}`, {
    details: { file: configFile, reason: read.reason, problems: [problem] },
  });
}

interface Resolved {
  configFile: string;
  credential: ResolvedCredential;
  graphCa: GraphCaBundle | undefined;
  shards: ShardConfig[];
  kafkaTls: KafkaTlsMaterial | undefined;
  kafkaSasl: KafkaSaslSecret | undefined;
  registry: ResolvedRegistryMaterial;
}

/** Graph and authority URLs for the cloud (custom: the validated settings), and the token scope. */
export function resolveEndpoints(graph: FileConfig['graph']): Pick<GraphConfig, 'graphUrl' | 'authorityUrl' | 'scope'> {
  const origin = (value: string | undefined): string => {
    const parsed = parseHttpsOrigin(value ?? '');
    if ('problem' in parsed) throw new Error(`config: unvalidated custom cloud URL (${parsed.problem})`);
    return parsed.origin;
  };
  const endpoints =
    graph.cloud === 'custom'
      ? { graphUrl: origin(graph.graphUrl), authorityUrl: origin(graph.authorityUrl) }
      : { graphUrl: NATIONAL_CLOUDS[graph.cloud].graphUrl, authorityUrl: NATIONAL_CLOUDS[graph.cloud].authorityUrl };
  return { ...endpoints, scope: graphScope(endpoints.graphUrl) };
}

function assemble(data: FileConfig, resolved: Resolved): ConnectorConfig {
  const { graphUrl: _graphUrl, authorityUrl: _authorityUrl, caFile: _caFile, ...graph } = data.graph;
  const { credential } = resolved;
  return {
    configFile: resolved.configFile,
    connectorName: data.connectorName,
    tenant: {
      id: data.tenant.id.toLowerCase(),
      clientId: data.tenant.clientId.toLowerCase(),
      ...(credential.clientSecret === undefined ? {} : { clientSecret: credential.clientSecret }),
      ...(credential.certificate === undefined ? {} : { certificate: credential.certificate }),
      credentialSource: credential.source,
    },
    graph: {
      ...graph,
      ...resolveEndpoints(data.graph),
      ...resolved.graphCa,
    },
    kafka: assembleKafka(data, resolved),
    ...assembleSchemaRegistry(data, resolved),
    polling: data.polling,
    shards: resolved.shards,
    ...(data.discovery === undefined ? {} : { discovery: resolveDiscovery(data.discovery, data.connectorName) }),
    shutdown: data.shutdown,
    assignment: {
      ...data.assignment,
      coordinationTopic: data.assignment.coordinationTopic ?? `${data.connectorName}.shards`,
    },
    observability: data.observability,
  };
}

/** The schema output's secret fields are plain strings: they are dropped, and the resolved `Secret`s used. */
function assembleSchemaRegistry(data: FileConfig, resolved: Resolved): Pick<ConnectorConfig, 'schemaRegistry'> {
  if (data.schemaRegistry === undefined) return {};
  const { url, subjectNameStrategy, autoRegister, requestTimeoutMs } = data.schemaRegistry;
  const { auth, credentialSource, ca } = resolved.registry;
  return {
    schemaRegistry: {
      url: url.replace(/\/+$/, ''),
      subjectNameStrategy,
      autoRegister,
      requestTimeoutMs,
      ...ca,
      ...(auth === undefined ? {} : { auth }),
      ...(credentialSource === undefined ? {} : { credentialSource }),
    },
  };
}

/** The schema output's tls and sasl sections hold secrets as plain strings: they are replaced, never spread. */
function assembleKafka(data: FileConfig, resolved: Resolved): KafkaConfig {
  const { tls, sasl, table, watermarks, ...kafka } = data.kafka;
  const tlsConfig = kafkaTlsConfig(tls, resolved.kafkaTls);
  return {
    ...kafka,
    ...(table.enabled
      ? {
          table: {
            topic: table.topic ?? derivedTopic(kafka.topic, 'current'),
            partitions: table.partitions ?? kafka.partitions,
          },
        }
      : {}),
    ...(watermarks.enabled ? { watermarkTopic: watermarks.topic ?? derivedTopic(kafka.topic, 'watermarks') } : {}),
    clientId: data.kafka.clientId ?? data.connectorName,
    stateTopic: data.kafka.stateTopic ?? `${data.connectorName}.presence-state`,
    ...(tlsConfig === undefined ? {} : { tls: tlsConfig }),
    ...(sasl === undefined || resolved.kafkaSasl === undefined
      ? {}
      : { sasl: { mechanism: sasl.mechanism, username: sasl.username, ...resolved.kafkaSasl } }),
  };
}
