/**
 * The schemaRegistry credentials (an API key and secret for basic auth, or a bearer token) and CA bundle, each
 * from the environment or a file, read and checked at load. The values are wrapped in `Secret` at once.
 */
import { readCaBundle, readSecret, type GraphCaBundle } from './credentials.js';
import { problemAt, type ResolveContext } from './issues.js';
import { formatPath, type ConfigPath } from './problems.js';
import { envName, isRecord, nonEmptyString } from './raw-values.js';
import { Secret } from './secret.js';

export type SchemaRegistryAuth =
  { kind: 'basic'; username: Secret; password: Secret } | { kind: 'bearer'; token: Secret };

export interface ResolvedRegistryMaterial {
  auth?: SchemaRegistryAuth;
  /** Where the credentials came from (`env PRESENCE_SCHEMA_REGISTRY_API_SECRET`, `file /run/x`); never the values. */
  credentialSource?: string;
  ca?: GraphCaBundle;
}

const SECTION: ConfigPath = ['schemaRegistry'];
const at = (name: string): ConfigPath => [...SECTION, name];

/** Resolves what the section names outside the config file; problems go to `context.problems`. */
export function resolveRegistryMaterial(rawRegistry: unknown, context: ResolveContext): ResolvedRegistryMaterial {
  if (!isRecord(rawRegistry)) return {};
  const secretOf = (name: string) =>
    readSecret(
      context,
      at(name),
      at(`${name}File`),
      nonEmptyString(rawRegistry[name]),
      nonEmptyString(rawRegistry[`${name}File`]),
      undefined,
    );
  const apiKey = secretOf('apiKey');
  const apiSecret = secretOf('apiSecret');
  const bearer = secretOf('bearerToken');
  const caFile = nonEmptyString(rawRegistry.caFile);
  const ca = caFile === undefined ? undefined : readCaBundle(context, at('caFile'), caFile);
  const material: ResolvedRegistryMaterial = ca === undefined ? {} : { ca };

  if ((apiKey === undefined) !== (apiSecret === undefined)) {
    const missing = apiKey === undefined ? 'apiKey' : 'apiSecret';
    context.problems.push(
      problemAt(
        context,
        SECTION,
        `basic auth needs both an API key and an API secret: set ${envName(at(missing))} or ${formatPath(at(`${missing}File`))}`,
        'key',
      ),
    );
    return material;
  }
  if (apiKey !== undefined && apiSecret !== undefined && bearer !== undefined) {
    context.problems.push(
      problemAt(context, SECTION, 'use either an API key and secret or a bearer token, not both', 'key'),
    );
    return material;
  }
  if (apiKey !== undefined && apiSecret !== undefined) {
    return {
      ...material,
      auth: { kind: 'basic', username: new Secret(apiKey.value), password: new Secret(apiSecret.value) },
      credentialSource: `${apiKey.source} + ${apiSecret.source}`,
    };
  }
  if (bearer !== undefined) {
    return { ...material, auth: { kind: 'bearer', token: new Secret(bearer.value) }, credentialSource: bearer.source };
  }
  return material;
}
