/**
 * Classifying a failed sign-in from what MSAL and the network client saw. The codes the simulator answers (wrong
 * secret, unknown client, unknown tenant, wrong certificate) are also checked end to end through MSAL in
 * token-provider.test.ts; the ones it cannot produce (an expired secret, missing consent, Entra ID down) only here.
 */
import { describe, expect, it } from 'vitest';
import {
  aadstsDescription,
  classifySignInFailure,
  signInError,
  signInFailureOf,
  type SignInEvidence,
} from '../../src/auth/sign-in-failure.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';

function evidence(overrides: Partial<SignInEvidence>): SignInEvidence {
  return {
    msalErrorCode: 'invalid_client',
    aadstsNumber: undefined,
    status: 400,
    transportFailure: undefined,
    description: undefined,
    ...overrides,
  };
}

const context = { clientId: 'app-1', tenantId: 'tenant-1', authorityUrl: 'https://login.example' };

describe('classifySignInFailure', () => {
  it.each([
    ['7000215', 'wrong-secret', /client secret is wrong/],
    ['7000222', 'expired-secret', /client secret has expired/],
    ['90002', 'wrong-tenant', /no tenant with this id/],
    ['900023', 'wrong-tenant', /not a valid tenant identifier/],
    ['700016', 'app-not-found', /no application with this client id/],
    ['65001', 'consent-missing', /consented/],
    ['650052', 'consent-missing', /service principal/],
    ['700027', 'certificate-rejected', /certificate .* not registered/],
  ])('reads AADSTS%s as %s, which a person must fix', (code, reason, meaning) => {
    const failure = classifySignInFailure(evidence({ aadstsNumber: code }));
    expect(failure).toMatchObject({ reason, aadsts: `AADSTS${code}`, retriable: false });
    expect(failure.meaning).toMatch(meaning);
    expect(failure.action).not.toBe('');
  });

  it('reads AADSTS90033 (Entra ID temporarily unavailable) as retriable', () => {
    expect(classifySignInFailure(evidence({ aadstsNumber: '90033', status: 503 }))).toMatchObject({
      reason: 'entra-unavailable',
      aadsts: 'AADSTS90033',
      retriable: true,
    });
  });

  it('reads 5xx and 429 without a known code as Entra ID unavailable or throttling, retriable', () => {
    expect(classifySignInFailure(evidence({ msalErrorCode: '', status: 503 }))).toMatchObject({
      reason: 'entra-unavailable',
      meaning: 'Entra ID answered HTTP 503',
      retriable: true,
    });
    expect(classifySignInFailure(evidence({ msalErrorCode: '', status: 429 }))).toMatchObject({
      reason: 'throttled',
      retriable: true,
    });
  });

  it('reads no answer at all as an unreachable endpoint, naming what the transport saw', () => {
    const failure = classifySignInFailure(
      evidence({ msalErrorCode: 'endpoints_resolution_error', status: undefined, transportFailure: 'ECONNREFUSED' }),
    );
    expect(failure).toMatchObject({ reason: 'endpoint-unreachable', retriable: true });
    expect(failure.meaning).toContain('ECONNREFUSED');
    expect(failure.action).toMatch(/graph\.proxyUrl/);
  });

  it("reads an unknown code with Entra ID's own description, permanent for a 4xx, retriable otherwise", () => {
    const refused = classifySignInFailure(
      evidence({ aadstsNumber: '7000218', status: 401, description: 'The request body must contain client_secret.' }),
    );
    expect(refused).toMatchObject({ reason: 'rejected', aadsts: 'AADSTS7000218', retriable: false });
    expect(refused.meaning).toContain('must contain client_secret');
    expect(classifySignInFailure(evidence({ msalErrorCode: 'some_client_error', status: undefined })).retriable).toBe(
      true,
    );
  });
});

describe('signInError', () => {
  it('is an AUTH_FAILED that names app, tenant, meaning, codes and what to do, and carries the reason', () => {
    const failure = classifySignInFailure(evidence({ aadstsNumber: '7000215', status: 401 }));
    const error = signInError(failure, { msalErrorCode: 'invalid_client', status: 401 }, context);
    expect(error).toMatchObject({ code: ErrorCodes.AUTH_FAILED, retriable: false });
    expect(error.message).toMatch(
      /^Graph sign-in failed for app app-1 in tenant tenant-1: the client secret is wrong \(AADSTS7000215, invalid_client\); configure the secret's Value/,
    );
    expect(error.details).toMatchObject({ reason: 'wrong-secret', aadsts: 'AADSTS7000215', status: 401 });
    expect(signInFailureOf(error)).toEqual(failure);
  });

  it('is recognised only on AUTH_FAILED errors that carry a reason', () => {
    expect(signInFailureOf(new ConnectorError(ErrorCodes.AUTH_FAILED, 'x'))).toBeUndefined();
    expect(signInFailureOf(new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'x', { details: { reason: 'x' } }))).toBe(
      undefined,
    );
    expect(signInFailureOf(new Error('x'))).toBeUndefined();
  });
});

describe('aadstsDescription', () => {
  it("takes Entra ID's sentence between the code and the trace ids", () => {
    expect(
      aadstsDescription(
        'Error(s): 7000215 - Timestamp: 2026-12-02 09:59:41Z - Description: AADSTS7000215: Invalid client secret provided. Trace ID: ff77 Correlation ID: 1',
      ),
    ).toBe('Invalid client secret provided.');
    expect(aadstsDescription('no code here')).toBeUndefined();
  });
});
