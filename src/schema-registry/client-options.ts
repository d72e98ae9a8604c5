import type { SchemaRegistryConfig } from '../config/index.js';
import type { SchemaRegistryClientOptions } from './client.js';

/**
 * The client options for the configured registry: the config's `Secret`s revealed only here, at the one place
 * the HTTP client is built from them (the worker and `tail --config` both come this way).
 */
export function registryClientOptions(settings: SchemaRegistryConfig): SchemaRegistryClientOptions {
  const { auth } = settings;
  return {
    url: settings.url,
    requestTimeoutMs: settings.requestTimeoutMs,
    ...(settings.caPem === undefined ? {} : { caPem: settings.caPem }),
    ...(auth === undefined
      ? {}
      : {
          auth:
            auth.kind === 'basic'
              ? { kind: 'basic', username: auth.username.reveal(), password: auth.password.reveal() }
              : { kind: 'bearer', token: auth.token.reveal() },
        }),
  };
}
