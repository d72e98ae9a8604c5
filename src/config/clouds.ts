/** Microsoft Graph national clouds in which `getPresencesByUserId` is offered (not China), plus `custom`. */
export const CLOUD_NAMES = ['global', 'usgov', 'usgov-dod', 'custom'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];
export type NationalCloudName = Exclude<CloudName, 'custom'>;

export interface CloudDefinition {
  /** Graph service root, no trailing slash. */
  graphUrl: string;
  /** Entra ID authority host, no trailing slash and no tenant (the auth module appends the tenant). */
  authorityUrl: string;
  /** Whether the beta endpoint exists in this cloud. */
  betaAvailable: boolean;
  label: string;
}

export const NATIONAL_CLOUDS: Readonly<Record<NationalCloudName, CloudDefinition>> = {
  global: {
    graphUrl: 'https://graph.microsoft.com',
    authorityUrl: 'https://login.microsoftonline.com',
    betaAvailable: true,
    label: 'global',
  },
  usgov: {
    graphUrl: 'https://graph.microsoft.us',
    authorityUrl: 'https://login.microsoftonline.us',
    betaAvailable: false,
    label: 'US Government L4',
  },
  'usgov-dod': {
    graphUrl: 'https://dod-graph.microsoft.us',
    authorityUrl: 'https://login.microsoftonline.us',
    betaAvailable: false,
    label: 'US Government L5 (DoD)',
  },
};

export function isCloudName(value: unknown): value is CloudName {
  return typeof value === 'string' && (CLOUD_NAMES as readonly string[]).includes(value);
}

export function isNationalCloud(value: CloudName): value is NationalCloudName {
  return value !== 'custom';
}

/** The client-credentials scope for a Graph host: `https://graph.microsoft.com/.default`. */
export function graphScope(graphUrl: string): string {
  return `${graphUrl}/.default`;
}

/**
 * Checks that a URL is an https origin (scheme, host, optional port; no path, query, fragment or credentials).
 * Returns the normalised origin (no trailing slash), or a problem message.
 */
export function parseHttpsOrigin(value: string): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a URL (expected e.g. https://graph.example.com)` };
  }
  if (url.protocol !== 'https:') return { problem: `must use https (got ${url.protocol.replace(/:$/, '')})` };
  if (url.username !== '' || url.password !== '') return { problem: 'must not contain credentials' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { problem: `must be a host only, like ${url.origin} (no path, query or fragment)` };
  }
  return { origin: url.origin };
}
