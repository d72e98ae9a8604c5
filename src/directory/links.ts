/**
 * The URLs the directory client requests: the first request of each operation, and the links Graph hands back.
 * A link is followed only on Graph's own origin, because every request carries the tenant's bearer token.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import { DirectoryDeltaExpiredError, type DirectoryRequestContext } from './failures.js';

/** What discovery needs of a user: who, and whether to watch them (enabled member accounts). */
export const USER_SELECT = 'id,accountEnabled,userType';
/** Graph's maximum page size for member listings (its default is 100). Delta queries ignore `$top`. */
export const LIST_PAGE_SIZE = 999;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The delta resources a stored link may belong to. */
export type DeltaResource = 'users' | 'groups';

/**
 * A group id as Graph's object ids are written: a GUID, lowercase. Anything else is refused before a request,
 * because the id goes into a URL path and a `$filter`.
 */
export function normaliseGroupId(groupId: string): string {
  if (!GUID.test(groupId)) throw new RangeError(`a group id is an object id (GUID), got "${groupId}"`);
  return groupId.toLowerCase();
}

export class DirectoryEndpoints {
  private readonly base: string;
  private readonly origin: string;

  constructor(
    graphUrl: string,
    private readonly apiVersion: string,
  ) {
    this.base = `${graphUrl.replace(/\/+$/, '')}/${apiVersion}`;
    this.origin = new URL(this.base).origin;
  }

  /** Users among the transitive members of a group: nested groups are followed by Graph, not by us. */
  groupUsers(groupId: string): string {
    return `${this.base}/groups/${groupId}/transitiveMembers/microsoft.graph.user?${query({
      $select: USER_SELECT,
      $top: String(LIST_PAGE_SIZE),
    })}`;
  }

  usersDelta(): string {
    return `${this.base}/users/delta?${query({ $select: USER_SELECT })}`;
  }

  /** One group's direct membership changes (group delta does not follow nested groups). */
  groupsDelta(groupId: string): string {
    return `${this.base}/groups/delta?${query({ $filter: `id eq '${groupId}'`, $select: 'members' })}`;
  }

  /** A nextLink or deltaLink from a response; one to another host is a response we cannot trust. */
  followed(link: string, context: DirectoryRequestContext): string {
    if (sameOrigin(link, this.origin)) return link;
    throw new ConnectorError(
      ErrorCodes.GRAPH_BAD_RESPONSE,
      `Graph sent a paging link to another host than ${this.origin}: not followed, the request carries the token`,
      { details: { operation: context.operation, linkOrigin: originOf(link) } },
    );
  }

  /**
   * A delta link the caller stored from an earlier round. One of another host, API version or resource (the
   * cloud or version changed in the configuration, or the wrong link was passed) cannot continue this round: the
   * caller starts a full one, as for an expired link.
   */
  storedDeltaLink(link: string, resource: DeltaResource): string {
    if (sameOrigin(link, this.origin) && deltaPath(resource, this.apiVersion).test(new URL(link).pathname)) return link;
    throw new DirectoryDeltaExpiredError(
      'otherEndpoint',
      `the stored delta link is not a ${resource} delta link of ${this.base}: start a full round`,
      { linkOrigin: originOf(link), resource },
    );
  }
}

function query(parameters: Record<string, string>): string {
  // encodeURIComponent keeps `'` and `,` as they are, which Graph's examples show literally.
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

/** `/v1.0/users/delta`, also as Graph sometimes writes it: `/delta()`, `/microsoft.graph.delta`. */
function deltaPath(resource: DeltaResource, apiVersion: string): RegExp {
  const version = apiVersion.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`/${version}/${resource}/(microsoft\\.graph\\.)?delta(\\(\\))?/?$`, 'i');
}

function sameOrigin(link: string, origin: string): boolean {
  return originOf(link) === origin;
}

function originOf(link: string): string | null {
  try {
    return new URL(link).origin;
  } catch {
    return null; // not a URL at all: no origin, so never the Graph one
  }
}
