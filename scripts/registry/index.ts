/** A local Apicurio Registry for tests, the demo and manual runs (see local-registry.ts); start-registry.ts is its CLI. */
export {
  CCOMPAT_PATH,
  DEFAULT_REGISTRY_VERSION,
  REGISTRY_MIN_JAVA,
  ccompatUrl,
  registryImage,
  resolveRegistryVersion,
} from './config.js';
export {
  ensureRegistryDistribution,
  registryCacheDir,
  registryDistributionCached,
  type RegistryDistributionOptions,
} from './distribution.js';
export {
  findRegistryJava,
  startLocalRegistry,
  type LocalRegistry,
  type LocalRegistryOptions,
} from './local-registry.js';
