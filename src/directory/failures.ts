/**
 * What a directory request's failure means, as typed errors: the caller branches on the class or the code, never
 * on message text. An expired delta link and a group that does not exist have codes of their own (both are
 * answers a retry would only repeat).
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import { graphErrorCode } from '../graph/index.js';
import { isRetriableHttpStatus } from '../retry/index.js';

/** Which call failed: it decides the permission a 403 names and what a 404 means. */
export type DirectoryOperation = 'listGroupUsers' | 'usersDelta' | 'groupMembersDelta';

export interface DirectoryRequestContext {
  operation: DirectoryOperation;
  /** The group the request is about (list and group delta). */
  groupId?: string;
}

/** A response that was not a 200, as the transport saw it. */
export interface FailedResponse {
  status: number;
  bodyText: string;
  /** The `Location` of a 410: where Graph says to start a full round. */
  location?: string;
}

/**
 * `syncStateNotFound`: Graph no longer knows the link (older than seven days, or an earlier generation).
 * `resyncRequired`: a 410, Graph asks for a full round (maintenance, tenant migration).
 * `otherEndpoint`: a stored link of another Graph host, version or resource, which this client must not follow.
 */
export type DeltaExpiryReason = 'syncStateNotFound' | 'resyncRequired' | 'otherEndpoint';

/** The delta link cannot be followed: start a full round and reconcile (users missing from it are gone). */
export class DirectoryDeltaExpiredError extends ConnectorError {
  readonly reason: DeltaExpiryReason;

  constructor(reason: DeltaExpiryReason, message: string, details: Record<string, unknown>) {
    super(ErrorCodes.GRAPH_DELTA_EXPIRED, message, { details: { ...details, reason } });
    this.name = 'DirectoryDeltaExpiredError';
    this.reason = reason;
  }
}

/** Graph has no group with this id (deleted, or a wrong id in the configuration). */
export class DirectoryGroupNotFoundError extends ConnectorError {
  readonly groupId: string;

  constructor(groupId: string, details: Record<string, unknown>) {
    super(
      ErrorCodes.GRAPH_GROUP_NOT_FOUND,
      `Graph has no group with id ${groupId} (404): check the group's object id in Entra ID`,
      { details: { ...details, groupId } },
    );
    this.name = 'DirectoryGroupNotFoundError';
    this.groupId = groupId;
  }
}

export function isDirectoryDeltaExpired(error: unknown): error is DirectoryDeltaExpiredError {
  return error instanceof DirectoryDeltaExpiredError;
}

export function isDirectoryGroupNotFound(error: unknown): error is DirectoryGroupNotFoundError {
  return error instanceof DirectoryGroupNotFoundError;
}

/** Graph's documented codes of an expired or reset delta token (4xx); compared case-insensitively. */
const EXPIRED_TOKEN_CODES: ReadonlySet<string> = new Set(['syncstatenotfound', 'resyncrequired']);
/** Directory objects that do not exist answer this code; a 404 without it is no statement about the group. */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['request_resourcenotfound', 'resourcenotfound']);

/** The error a non-200 directory response stands for. Only statuses worth retrying come back retriable. */
export function classifyDirectoryFailure(response: FailedResponse, context: DirectoryRequestContext): ConnectorError {
  const { status } = response;
  const graphError = graphErrorCode(response.bodyText);
  const details: Record<string, unknown> = { status, graphError, operation: context.operation };
  if (context.groupId !== undefined) details['groupId'] = context.groupId;
  const code = graphError?.toLowerCase() ?? '';
  if (status === 410 || (status >= 400 && status < 500 && EXPIRED_TOKEN_CODES.has(code))) {
    return deltaExpired(response, details);
  }
  if (status === 404 && context.groupId !== undefined && NOT_FOUND_CODES.has(code)) {
    return new DirectoryGroupNotFoundError(context.groupId, details);
  }
  if (status === 400) {
    return new ConnectorError(ErrorCodes.GRAPH_BAD_REQUEST, `Graph rejected the request for ${what(context)} (400)`, {
      details,
    });
  }
  if (status === 401) {
    // Retried with backoff like the presence client: only this client knows a fresh token was already tried.
    return new ConnectorError(ErrorCodes.GRAPH_UNAUTHORIZED, 'Graph rejected the token (401) even after a refresh', {
      details,
      retriable: true,
    });
  }
  if (status === 403) return new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, forbiddenMessage(context), { details });
  if (status === 429) {
    return new ConnectorError(ErrorCodes.GRAPH_THROTTLED, `Graph throttled the request for ${what(context)} (429)`, {
      details,
      retriable: true,
    });
  }
  return new ConnectorError(
    ErrorCodes.GRAPH_UNAVAILABLE,
    `Graph answered HTTP ${status} to the request for ${what(context)}`,
    {
      details,
      retriable: isRetriableHttpStatus(status),
    },
  );
}

/** The least privileged application permission of each operation, as Graph documents them. */
export function requiredPermission(operation: DirectoryOperation): 'User.Read.All' | 'GroupMember.Read.All' {
  return operation === 'usersDelta' ? 'User.Read.All' : 'GroupMember.Read.All';
}

function forbiddenMessage(context: DirectoryRequestContext): string {
  return (
    `Graph refused access (403) to ${what(context)}: the app registration needs the ` +
    `${requiredPermission(context.operation)} application permission with admin consent granted in this tenant`
  );
}

function deltaExpired(response: FailedResponse, details: Record<string, unknown>): DirectoryDeltaExpiredError {
  if (response.status === 410) {
    const withLocation = response.location === undefined ? details : { ...details, location: response.location };
    return new DirectoryDeltaExpiredError(
      'resyncRequired',
      'Graph asks for a full resynchronisation (410): the delta link is no longer valid, start a full round',
      withLocation,
    );
  }
  return new DirectoryDeltaExpiredError(
    'syncStateNotFound',
    `Graph no longer knows the delta link (${response.status} ${String(details['graphError'])}): ` +
      'directory delta links live seven days, start a full round',
    details,
  );
}

function what(context: DirectoryRequestContext): string {
  switch (context.operation) {
    case 'usersDelta':
      return 'the users of the tenant';
    case 'listGroupUsers':
      return `the transitive members of group ${context.groupId ?? '?'}`;
    case 'groupMembersDelta':
      return `the membership changes of group ${context.groupId ?? '?'}`;
  }
}
