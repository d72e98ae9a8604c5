import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_IDS_PER_REQUEST } from '../../src/simulator/index.js';
import {
  faultInjectionHarness,
  graphErrorBody,
  page,
  postPresences,
  startHarness,
  tokenFor,
  type Harness,
} from './helpers.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /{v1.0|beta}/communications/getPresencesByUserId', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 5000, budget: { requests: 100_000 } });
    token = await tokenFor(harness);
  });
  afterAll(() => harness.close());

  it("answers in Graph's shape, for v1.0 and beta", async () => {
    const ids = [harness.sim.userIdAt(0), harness.sim.userIdAt(4999)];
    for (const version of ['v1.0', 'beta'] as const) {
      const result = await postPresences(
        harness,
        token,
        { ids },
        { version, headers: { 'client-request-id': 'abc-123' } },
      );
      expect(result.status).toBe(200);
      expect(result.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal/);
      expect(result.headers['client-request-id']).toBe('abc-123');
      expect(result.headers['request-id']).toMatch(GUID);
      const body = page(result);
      expect(body['@odata.context']).toBe(
        `${harness.sim.graphUrl}/${version}/$metadata#Collection(microsoft.graph.presence)`,
      );
      expect(body.value.map((presence) => presence.id)).toEqual(ids);
      for (const presence of body.value) {
        expect(Object.keys(presence)).toEqual([
          'id',
          'availability',
          'activity',
          'statusMessage',
          'outOfOfficeSettings',
          'sequenceNumber',
          'workLocation',
        ]);
        expect(presence.sequenceNumber).toMatch(/^[A-Z]\d{10}$/);
        expect(typeof presence.outOfOfficeSettings?.isOutOfOffice).toBe('boolean');
        expect(presence.workLocation?.workLocationType).toMatch(/^(unspecified|office|remote|timeOff)$/);
      }
    }
  });

  it('serves status messages with itemBody, publishedDateTime and a dateTimeTimeZone expiry', async () => {
    const id = harness.sim.userIdAt(7);
    harness.sim.setPresence(id, { statusMessage: 'Back at 3 "sharp" ✈', statusMessageExpiresAfterHours: 2 });
    harness.sim.setPresence(harness.sim.userIdAt(8), {
      statusMessage: 'Forever',
      isOutOfOffice: true,
      outOfOfficeMessage: 'Away <b>all</b> week',
    });
    const body = page(await postPresences(harness, token, { ids: [id, harness.sim.userIdAt(8)] }));
    const [withExpiry, forever] = body.value;
    expect(withExpiry?.statusMessage?.message).toEqual({ content: 'Back at 3 "sharp" ✈', contentType: 'text' });
    const published = Date.parse(withExpiry?.statusMessage?.publishedDateTime ?? '');
    expect(Math.abs(published - Date.now())).toBeLessThan(5000);
    expect(withExpiry?.statusMessage?.publishedDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(withExpiry?.statusMessage?.expiryDateTime?.timeZone).toBe('UTC');
    expect(Date.parse(`${withExpiry?.statusMessage?.expiryDateTime?.dateTime ?? ''}Z`) - published).toBe(
      2 * 3600 * 1000,
    );
    expect(forever?.statusMessage?.expiryDateTime?.dateTime).toBe('9999-12-31T23:59:59.9999999');
    expect(forever?.outOfOfficeSettings).toEqual({ message: 'Away <b>all</b> week', isOutOfOffice: true });

    harness.sim.setFaults({ statusMessageDates: 'absent' });
    try {
      const [withoutDates] = page(await postPresences(harness, token, { ids: [id] })).value;
      expect(withoutDates?.statusMessage).toEqual({ message: { content: 'Back at 3 "sharp" ✈', contentType: 'text' } });
    } finally {
      harness.sim.setFaults({ statusMessageDates: 'present' });
    }
  });

  it('answers 401 InvalidAuthenticationToken for a missing, unknown or malformed token', async () => {
    const cases: [string | null, string][] = [
      [null, 'Access token is empty.'],
      ['eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2ln', 'Access token validation failure. Invalid signature.'],
      ['garbage', 'IDX14100: JWT is not well formed, there are no dots (.).'],
    ];
    for (const [bearer, message] of cases) {
      const result = await postPresences(harness, bearer, { ids: [harness.sim.userIdAt(0)] });
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toMatch(/^Bearer realm=""/);
      const body = graphErrorBody(result);
      expect(body.error.code).toBe('InvalidAuthenticationToken');
      expect(body.error.message).toBe(message);
      expect(body.error.innerError['request-id']).toBe(result.headers['request-id']);
      expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
  });

  it('answers 401 for an expired token', async () => {
    const fresh = await tokenFor(harness);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 3600 * 1000);
      const result = await postPresences(harness, fresh, { ids: [harness.sim.userIdAt(0)] });
      expect(result.status).toBe(401);
      expect(graphErrorBody(result).error.message).toBe('Lifetime validation failed, the token is expired.');
    } finally {
      vi.useRealTimers();
    }
    expect((await postPresences(harness, fresh, { ids: [harness.sim.userIdAt(0)] })).status).toBe(200);
  });

  it(`accepts ${MAX_IDS_PER_REQUEST} ids and answers a bare 400 for one more`, async () => {
    const ids = Array.from({ length: MAX_IDS_PER_REQUEST + 1 }, (_, i) => harness.sim.userIdAt(i * 7));
    const full = await postPresences(harness, token, { ids: ids.slice(0, MAX_IDS_PER_REQUEST) });
    expect(full.status).toBe(200);
    expect(page(full).value).toHaveLength(MAX_IDS_PER_REQUEST);
    const over = await postPresences(harness, token, { ids });
    expect(over.status).toBe(400);
    expect(over.text).toBe('');
  });

  it('answers 400 BadRequest with the Graph error body for an unreadable body', async () => {
    for (const body of ['{"ids":', '{"users":[]}', '{"ids":[1,2]}']) {
      const result = await postPresences(harness, token, body);
      expect(result.status).toBe(400);
      expect(graphErrorBody(result).error.code).toBe('BadRequest');
    }
  });

  it('omits unknown users by default, answers PresenceUnknown for them when told to', async () => {
    const unknown = '0a0b0c0d-1111-4222-8333-444455556666';
    const known = harness.sim.userIdAt(3);
    expect(page(await postPresences(harness, token, { ids: [unknown, known] })).value.map((p) => p.id)).toEqual([
      known,
    ]);
    harness.sim.setFaults({ unknownUsers: 'presenceUnknown' });
    try {
      const [first] = page(await postPresences(harness, token, { ids: [unknown, known] })).value;
      expect(first).toMatchObject({
        id: unknown,
        availability: 'PresenceUnknown',
        activity: 'PresenceUnknown',
        sequenceNumber: null,
      });
    } finally {
      harness.sim.setFaults({ unknownUsers: 'omit' });
    }
  });

  it('serves each user once and in lowercase, whatever the case and repetition of the ids asked for', async () => {
    const id = harness.sim.userIdAt(11);
    const value = page(
      await postPresences(harness, token, { ids: [id.toUpperCase(), id, harness.sim.userIdAt(12), id] }),
    ).value;
    expect(value.map((p) => p.id)).toEqual([id, harness.sim.userIdAt(12)]);
  });
});

describe('fault injection at the presence endpoint', () => {
  const fixture = faultInjectionHarness();
  const { ids } = fixture;

  it('answers 500/503/504 with and without Retry-After', async () => {
    fixture.harness.sim.setFaults({
      serverErrorShare: 1,
      serverErrorStatuses: [503],
      serverErrorRetryAfterShare: 1,
      serverErrorRetryAfterSeconds: 2.5,
    });
    const unavailable = await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
    expect([unavailable.status, unavailable.headers['retry-after'], graphErrorBody(unavailable).error.code]).toEqual([
      503,
      '2.5',
      'ServiceNotAvailable',
    ]);

    fixture.harness.sim.setFaults({ serverErrorStatuses: [500, 504], serverErrorRetryAfterShare: 0 });
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const result = await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
      expect(result.headers['retry-after']).toBeUndefined();
      seen.add(result.status);
    }
    expect([...seen].sort()).toEqual([500, 504]);
    expect(fixture.harness.sim.recording.requests().at(-1)?.fault).toBe('serverError');
  });

  it('rejects a request with a non-GUID id (400 BadRequest), or omits the id', async () => {
    const request = { ids: [fixture.harness.sim.userIdAt(1), 'alice@contoso.com'] };
    const rejected = await postPresences(fixture.harness, fixture.token, request);
    expect(rejected.status).toBe(400);
    expect(graphErrorBody(rejected).error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringContaining('alice@contoso.com') as unknown,
    });

    fixture.harness.sim.setFaults({ nonGuidIds: 'omit' });
    const omitted = await postPresences(fixture.harness, fixture.token, request);
    expect(page(omitted).value.map((p) => p.id)).toEqual([fixture.harness.sim.userIdAt(1)]);
  });

  it('forces 403 Forbidden and 401 InvalidAuthenticationToken', async () => {
    fixture.harness.sim.setFaults({ forbidden: true });
    const forbidden = await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
    expect([forbidden.status, graphErrorBody(forbidden).error.code]).toEqual([403, 'Forbidden']);
    fixture.harness.sim.setFaults({ forbidden: false, unauthorized: true });
    const unauthorized = await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
    expect([unauthorized.status, graphErrorBody(unauthorized).error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });
});
