import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { createRandom } from '../../src/simulator/random.js';
import { mergeTokenFaults, NO_TOKEN_FAULTS, TokenFaultInjector } from '../../src/simulator/token-faults.js';

const CORRELATION = '00000000-0000-4000-8000-000000000001';
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

function injector(change: Parameters<typeof mergeTokenFaults>[1], seed = 7): TokenFaultInjector {
  const faults = new TokenFaultInjector();
  faults.configure(mergeTokenFaults(NO_TOKEN_FAULTS, change), createRandom(seed));
  return faults;
}

describe('token endpoint faults', () => {
  it('are all off by default', () => {
    const faults = injector({});
    for (let i = 0; i < 100; i++) {
      expect(faults.rejectEarly(CORRELATION, NOW)).toBeNull();
      expect(faults.corruptSuccess()).toBeNull();
    }
    expect(NO_TOKEN_FAULTS).toMatchObject({ delayMs: 0, throttleRetryAfterSeconds: 60 });
  });

  it('answer 429 as Entra ID does: Retry-After, and its error body with the AADSTS code, trace and correlation ids', () => {
    const rejected = injector({ throttleShare: 1, throttleRetryAfterSeconds: 7 }).rejectEarly(CORRELATION, NOW);
    expect(rejected?.fault).toBe('token-throttled');
    expect(rejected?.reply.status).toBe(429);
    expect(rejected?.reply.headers['retry-after']).toBe('7');
    const body = JSON.parse(String(rejected?.reply.body)) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: 'temporarily_unavailable',
      error_codes: [90055],
      timestamp: '2026-01-02 03:04:05Z',
      correlation_id: CORRELATION,
      trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(body['error_description']).toMatch(/^AADSTS90055: .* Trace ID: .* Correlation ID: .* Timestamp: /);
  });

  it('answer 5xx from the chosen statuses, with Retry-After for the chosen share', () => {
    const faults = injector({ serverErrorShare: 1, serverErrorStatuses: [500, 503], serverErrorRetryAfterShare: 0.5 });
    const seen = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const rejected = faults.rejectEarly(CORRELATION, NOW);
      const key = `${rejected?.reply.status} ${rejected?.reply.headers['retry-after'] ?? '-'} ${rejected?.fault}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([
      '500 - token-server-error',
      '500 2 token-server-error-retry-after',
      '503 - token-server-error',
      '503 2 token-server-error-retry-after',
    ]);
    for (const count of seen.values()) expect(count).toBeGreaterThan(50);
    const body500 = injector({ serverErrorShare: 1, serverErrorStatuses: [500] }).rejectEarly(CORRELATION, NOW);
    expect(JSON.parse(String(body500?.reply.body))).toMatchObject({ error: 'server_error', error_codes: [50000] });
  });

  it('spoil successes: not JSON, or JSON without an access token', () => {
    expect(injector({ notJsonShare: 1 }).corruptSuccess()).toBe('not-json');
    expect(injector({ missingAccessTokenShare: 1 }).corruptSuccess()).toBe('no-access-token');
  });

  it('are validated as a whole when changed, and stay as they were when invalid', () => {
    const faults = injector({ throttleShare: 0.5 });
    let thrown: unknown;
    try {
      faults.change({ serverErrorShare: 2, delayMs: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    expect((thrown as Error).message).toMatch(/tokenFaults\.serverErrorShare/);
    expect((thrown as Error).message).toMatch(/tokenFaults\.delayMs/);
    expect(faults.faults).toMatchObject({ throttleShare: 0.5, serverErrorShare: 0, delayMs: 0 });
    faults.change({ delayMs: 250 });
    expect(faults.faults).toMatchObject({ throttleShare: 0.5, delayMs: 250 });
  });
});
