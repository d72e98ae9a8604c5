/**
 * What each directory failure becomes: the typed errors a caller branches on (expired delta link, missing group),
 * the permission a 403 names per operation, and which statuses are retried. Pure: the responses are built here;
 * test/directory/directory-http.test.ts sees the same through the simulator.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import {
  classifyDirectoryFailure,
  DirectoryDeltaExpiredError,
  DirectoryGroupNotFoundError,
  isDirectoryDeltaExpired,
  isDirectoryGroupNotFound,
  requiredPermission,
  type DirectoryRequestContext,
} from '../../src/directory/failures.js';

const GROUP = '4f1c0a9e-1111-4222-8333-444455556666';
const users: DirectoryRequestContext = { operation: 'usersDelta' };
const list: DirectoryRequestContext = { operation: 'listGroupUsers', groupId: GROUP };
const groupDelta: DirectoryRequestContext = { operation: 'groupMembersDelta', groupId: GROUP };

function body(code: string, message = 'm'): string {
  return JSON.stringify({ error: { code, message, innerError: { date: '2026-01-01T00:00:00' } } });
}

describe('expired delta links', () => {
  it('takes 400 syncStateNotFound for an expired link, not for a retry', () => {
    const error = classifyDirectoryFailure({ status: 400, bodyText: body('syncStateNotFound') }, users);
    expect(error).toBeInstanceOf(DirectoryDeltaExpiredError);
    expect(isDirectoryDeltaExpired(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_DELTA_EXPIRED, retriable: false });
    expect(error).toMatchObject({ reason: 'syncStateNotFound', retriable: false, details: { status: 400 } });
    expect(error.message).toContain('full round');
  });

  it('reads the code case-insensitively, on any 4xx as Graph documents "40X-series"', () => {
    const error = classifyDirectoryFailure({ status: 404, bodyText: body('SyncStateNotFound') }, groupDelta);
    expect(isDirectoryDeltaExpired(error)).toBe(true);
  });

  it('takes any 410 as a demand for a full round, keeping the Location Graph sent', () => {
    const location = 'https://graph.example/v1.0/users/delta?$deltatoken=';
    const error = classifyDirectoryFailure({ status: 410, bodyText: '', location }, users);
    expect(error).toMatchObject({ reason: 'resyncRequired', details: { status: 410, location } });
  });

  it('leaves a plain 400 a bad request', () => {
    const error = classifyDirectoryFailure({ status: 400, bodyText: body('BadRequest') }, users);
    expect(isDirectoryDeltaExpired(error)).toBe(false);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_BAD_REQUEST, retriable: false });
  });
});

describe('a group that does not exist', () => {
  it('names the group id on 404 Request_ResourceNotFound', () => {
    const error = classifyDirectoryFailure({ status: 404, bodyText: body('Request_ResourceNotFound') }, list);
    expect(error).toBeInstanceOf(DirectoryGroupNotFoundError);
    expect(isDirectoryGroupNotFound(error)).toBe(true);
    expect(error).toMatchObject({ groupId: GROUP, code: ErrorCodes.GRAPH_GROUP_NOT_FOUND, retriable: false });
    expect(error.message).toContain(GROUP);
  });

  it('does not blame the group for a 404 that is no directory answer (a wrong URL)', () => {
    const error = classifyDirectoryFailure({ status: 404, bodyText: '<html>not found</html>' }, list);
    expect(isDirectoryGroupNotFound(error)).toBe(false);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAVAILABLE, retriable: false });
  });
});

describe('403 names the missing permission', () => {
  it.each([
    [users, 'User.Read.All'],
    [list, 'GroupMember.Read.All'],
    [groupDelta, 'GroupMember.Read.All'],
  ] as const)('%o needs %s', (context, permission) => {
    const error = classifyDirectoryFailure({ status: 403, bodyText: body('Authorization_RequestDenied') }, context);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN, retriable: false });
    expect(error.message).toContain(`${permission} application permission`);
    expect(error.message).toContain('admin consent');
    expect(requiredPermission(context.operation)).toBe(permission);
  });
});

describe('retriable statuses', () => {
  it.each([
    [401, ErrorCodes.GRAPH_UNAUTHORIZED, true],
    [408, ErrorCodes.GRAPH_UNAVAILABLE, true],
    [429, ErrorCodes.GRAPH_THROTTLED, true],
    [500, ErrorCodes.GRAPH_UNAVAILABLE, true],
    [502, ErrorCodes.GRAPH_UNAVAILABLE, true],
    [503, ErrorCodes.GRAPH_UNAVAILABLE, true],
    [504, ErrorCodes.GRAPH_UNAVAILABLE, true],
    [405, ErrorCodes.GRAPH_UNAVAILABLE, false],
    [501, ErrorCodes.GRAPH_UNAVAILABLE, false],
  ] as const)('HTTP %i is %s, retriable %s', (status, code, retriable) => {
    const error = classifyDirectoryFailure({ status, bodyText: body('x') }, users);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code, retriable, details: { status, operation: 'usersDelta', graphError: 'x' } });
  });
});
