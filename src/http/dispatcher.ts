import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

export interface HttpDispatcherOptions {
  /** Extra trusted CA certificates (PEM), added to Node's default roots: corporate TLS inspection, the simulator. */
  extraCaPem?: string;
  /** Upper bound on sockets per origin: Graph concurrency plus headroom for the token calls. */
  connectionsPerOrigin: number;
  /** graph.proxyUrl: wins over HTTPS_PROXY / HTTP_PROXY. */
  proxyUrl?: string;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lowercase forms) are read; default `process.env`. */
  env?: ProxyEnvironment;
}

/** The proxies that apply, after the setting and the environment are weighed. Empty string: none. */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/**
 * The one HTTP stack of the connector: the token calls (MSAL) and the Graph calls share it, so a CA bundle and a
 * proxy apply to both and connections are pooled once.
 */
export function createHttpDispatcher(options: HttpDispatcherOptions): Dispatcher {
  // Passing `ca` replaces Node's trust store, so the default roots are added back explicitly.
  const tls = options.extraCaPem === undefined ? {} : { ca: [...rootCertificates, options.extraCaPem] };
  const common = { connections: options.connectionsPerOrigin, keepAliveTimeout: 30_000, connect: tls };
  const proxy = proxySettings(options.proxyUrl, options.env ?? process.env);
  if (proxy.httpProxy === '' && proxy.httpsProxy === '') return new Agent(common);
  // Through a tunnel undici ignores `connect`: the target's TLS takes `requestTls`, the proxy's own `proxyTls`.
  // Both get the CA bundle, so an https proxy with a corporate certificate is trusted like Graph is.
  return new EnvHttpProxyAgent({ ...common, requestTls: tls, proxyTls: tls, ...proxy });
}

/**
 * The setting, else the conventional variables (lowercase first, as curl reads them). Everything is passed to undici
 * explicitly, so it never reads process.env behind the caller's back; an empty string stops its fallback.
 */
export function proxySettings(proxyUrl: string | undefined, env: ProxyEnvironment): ProxySettings {
  const fromEnv = (name: string): string =>
    nonEmpty(env[name.toLowerCase()]) ?? nonEmpty(env[name.toUpperCase()]) ?? '';
  const httpProxy = proxyUrl ?? fromEnv('http_proxy');
  // As undici does: without HTTPS_PROXY, https requests go through HTTP_PROXY.
  const httpsProxy = proxyUrl ?? (fromEnv('https_proxy') || httpProxy);
  return { httpProxy, httpsProxy, noProxy: fromEnv('no_proxy') };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
