import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs, parsePresenceResponse, RequestBudget } from '../../src/graph/index.js';

describe('RequestBudget', () => {
  it('never lets more than maxRequests start in any window', async () => {
    const budget = new RequestBudget({ maxRequests: 5, windowMs: 200 });
    const starts: number[] = [];
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => budget.acquire().then(() => starts.push(Date.now() - started))));
    starts.sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 5] ?? 0)).toBeGreaterThanOrEqual(199);
    expect(starts[11]).toBeGreaterThanOrEqual(400);
  });

  it('holds every later request while paused by a Retry-After', async () => {
    const budget = new RequestBudget({ maxRequests: 100, windowMs: 1000 });
    budget.pauseFor(150);
    const started = Date.now();
    await budget.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('gives up waiting when aborted', async () => {
    const budget = new RequestBudget({ maxRequests: 1, windowMs: 10_000 });
    await budget.acquire();
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
  });
});

describe('Retry-After and backoff', () => {
  it('reads decimal seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('2.128')).toBe(2128);
    expect(parseRetryAfterMs('0')).toBe(0);
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
  });

  it('grows exponentially with jitter and stays under the cap', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelayMs(0, options, () => 0)).toBe(50);
    expect(backoffDelayMs(2, options, () => 1)).toBe(400);
    expect(backoffDelayMs(10, options, () => 1)).toBe(1000);
  });
});

describe('parsePresenceResponse', () => {
  it('normalises Graph presences and keeps unknown values as sent', () => {
    const [presence] = parsePresenceResponse(
      JSON.stringify({
        value: [
          {
            id: 'ABC-1',
            availability: 'Focusing',
            activity: 'UrgentInterruptionsOnly',
            sequenceNumber: 'A1',
            statusMessage: {
              message: { content: 'hi', contentType: 'text' },
              expiryDateTime: { dateTime: '2026-01-01T00:00:00', timeZone: 'UTC' },
            },
            outOfOfficeSettings: { isOutOfOffice: true, message: 'gone' },
          },
        ],
      }),
    );
    expect(presence).toEqual({
      id: 'abc-1',
      availability: 'Focusing',
      activity: 'UrgentInterruptionsOnly',
      sequenceNumber: 'A1',
      statusMessage: {
        content: 'hi',
        contentType: 'text',
        publishedAt: null,
        expiresAt: '2026-01-01T00:00:00',
        expiresTimeZone: 'UTC',
      },
      outOfOffice: { isOutOfOffice: true, message: 'gone' },
      workLocation: null,
    });
  });

  it.each([['{"value": [ {"id": "x"'], ['{"values": []}'], ['{"value": [{"availability": "Busy"}]}'], ['<html>']])(
    'rejects %s as a bad response',
    (body) => {
      expect(() => parsePresenceResponse(body)).toThrow(expect.objectContaining({ code: 'GRAPH_BAD_RESPONSE' }));
    },
  );
});

describe('RequestBudget.resize', () => {
  it('applies a smaller budget at once, counting the requests already sent', async () => {
    const budget = new RequestBudget({ maxRequests: 10, windowMs: 300 });
    for (let i = 0; i < 4; i++) await budget.acquire();
    budget.resize(4);
    const started = Date.now();
    await budget.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(budget.maxRequests).toBe(4);
  });

  it('lets more requests through at once after growing', async () => {
    const budget = new RequestBudget({ maxRequests: 2, windowMs: 10_000 });
    await budget.acquire();
    await budget.acquire();
    budget.resize(5);
    const started = Date.now();
    for (let i = 0; i < 3; i++) await budget.acquire();
    expect(Date.now() - started).toBeLessThan(100);
  });
});
