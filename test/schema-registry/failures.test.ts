import { describe, expect, it } from 'vitest';
import { ErrorCodes, type ConnectorError } from '../../src/errors.js';
import {
  badResponse,
  httpFailure,
  notFound,
  registryError,
  transportFailure,
  type RequestContext,
} from '../../src/schema-registry/failures.js';

const context: RequestContext = { operation: 'register', subject: 'presence-value', authKind: 'basic' };

function failure(status: number, body: unknown = undefined, ctx: RequestContext = context): ConnectorError {
  return httpFailure(ctx, { status, body });
}

describe('registryError', () => {
  it('reads error_code and message from a registry error body, and nothing from anything else', () => {
    expect(registryError({ error_code: 40401, message: 'Subject not found.' })).toEqual({
      errorCode: 40401,
      message: 'Subject not found.',
    });
    expect(registryError({ error_code: '40401' })).toEqual({ errorCode: undefined, message: undefined });
    expect(registryError(undefined)).toEqual({ errorCode: undefined, message: undefined });
    expect(registryError([1, 2])).toEqual({ errorCode: undefined, message: undefined });
  });
});

describe('httpFailure', () => {
  it('maps 401 and 403 to SCHEMA_REGISTRY_UNAUTHORIZED, not retriable, saying which credentials to check', () => {
    for (const status of [401, 403]) {
      const error = failure(status, { error_code: status, message: 'Unauthorized' });
      expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAUTHORIZED);
      expect(error.retriable).toBe(false);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain('basic-auth credentials');
      expect(error.details).toEqual({ operation: 'register', subject: 'presence-value', status, errorCode: status });
    }
    expect(failure(401, undefined, { ...context, authKind: 'bearer' }).message).toContain('bearer token');
    expect(failure(401, undefined, { ...context, authKind: 'none' }).message).toContain('none are configured');
  });

  it('maps 409 to SCHEMA_INCOMPATIBLE and 422 to SCHEMA_INVALID, with the registry message', () => {
    const conflict = failure(409, { error_code: 409, message: 'Incompatible artifact' });
    expect(conflict.code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
    expect(conflict.message).toContain('Incompatible artifact');
    const invalid = failure(422, { error_code: 42201, message: 'Invalid schema' });
    expect(invalid.code).toBe(ErrorCodes.SCHEMA_INVALID);
    expect(invalid.details['errorCode']).toBe(42201);
    expect([conflict.retriable, invalid.retriable]).toEqual([false, false]);
  });

  it('maps 408, 429 and the transient 5xx to a retriable SCHEMA_REGISTRY_UNAVAILABLE', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const error = failure(status);
      expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
      expect(error.retriable).toBe(true);
    }
  });

  it('keeps other 5xx as unavailable but, by the shared status table, not retriable', () => {
    const error = failure(501);
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
    expect(error.retriable).toBe(false);
  });

  it('tells a plain 404 (a wrong base URL) from a registry answer', () => {
    const plain = failure(404);
    expect(plain.code).toBe(ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED);
    expect(plain.message).toContain('/apis/ccompat/v7');
    const registry = failure(404, { error_code: 40402, message: 'Version 7 not found.' });
    expect(registry.message).toContain('Version 7 not found.');
  });

  it('maps any other 4xx to a non-retriable SCHEMA_REGISTRY_REQUEST_FAILED', () => {
    const error = failure(400, { error_code: 400, message: 'bad' }, { operation: 'schemaById', authKind: 'none' });
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED);
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({ operation: 'schemaById', subject: undefined, status: 400, errorCode: 400 });
  });
});

describe('notFound and badResponse', () => {
  it('reports a registry 404 as SCHEMA_NOT_FOUND, and a plain one as a URL problem', () => {
    const missing = notFound(context, { status: 404, body: { error_code: 40403 } }, 'schema with id 9');
    expect(missing.code).toBe(ErrorCodes.SCHEMA_NOT_FOUND);
    expect(missing.message).toBe('the schema registry has no schema with id 9');
    expect(notFound(context, { status: 404, body: undefined }, 'x').code).toBe(
      ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED,
    );
  });

  it('reports an unexpected 2xx body as SCHEMA_REGISTRY_BAD_RESPONSE', () => {
    const error = badResponse(context, { status: 200, body: '<html>' }, 'a body with "id"');
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_BAD_RESPONSE);
    expect(error.retriable).toBe(false);
  });
});

describe('transportFailure', () => {
  it('makes a timeout and a connection failure retriable, naming the system error code', () => {
    const timeout = transportFailure(context, new Error('aborted'), true, 1500);
    expect(timeout.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
    expect(timeout.retriable).toBe(true);
    expect(timeout.message).toBe('the schema registry did not answer register within 1500 ms');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const network = transportFailure(context, new Error('fetch failed', { cause: refused }), false, 1500);
    expect(network.retriable).toBe(true);
    expect(network.message).toBe('could not reach the schema registry for register (ECONNREFUSED)');
    expect(network.cause).toBeInstanceOf(Error);
  });
});
