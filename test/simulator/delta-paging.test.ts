import { describe, expect, it } from 'vitest';
import {
  deltaBody,
  drawEmptyPage,
  drawRepeated,
  restartQuery,
  RESYNC_REQUIRED,
  SYNC_STATE_NOT_FOUND,
  tokenFailure,
  type DeltaContext,
} from '../../src/simulator/delta-paging.js';
import { directorySchema, type DirectoryFaults } from '../../src/simulator/directory-options.js';
import { createRandom } from '../../src/simulator/random.js';

function context(faults: Partial<DirectoryFaults>): DeltaContext {
  const options = directorySchema.parse({ faults });
  return { faults: options.faults, random: createRandom(1), options } as DeltaContext;
}

describe('delta paging', () => {
  it("answers an expired token with Graph's 400 syncStateNotFound, or 410 resyncRequired and where to start over", () => {
    const expired = { ok: false, reason: 'expired', state: { select: 'id' } } as const;
    expect(tokenFailure(expired, context({}).faults, () => 'unused')).toEqual({
      status: 400,
      code: 'syncStateNotFound',
      message: SYNC_STATE_NOT_FOUND,
      fault: 'expiredDeltaLink',
    });
    const gone = tokenFailure(expired, context({ expiredDeltaLinkStatus: 410 }).faults, (old) => `start?${old.select}`);
    expect(gone).toEqual({
      status: 410,
      code: 'resyncRequired',
      message: RESYNC_REQUIRED,
      location: 'start?id',
      fault: 'expiredDeltaLink',
    });
    expect(tokenFailure({ ok: false, reason: 'malformed' }, context({}).faults, () => '')).toMatchObject({
      status: 400,
      code: 'BadRequest',
    });
  });

  it('restarts from the initial query: its $select and $filter, and an empty $deltatoken', () => {
    expect(restartQuery('id,accountEnabled', "id eq 'x'")).toBe(
      "?$select=id%2CaccountEnabled&$filter=id%20eq%20'x'&$deltatoken=",
    );
    expect(restartQuery(null, null)).toBe('?$deltatoken=');
  });

  it('never draws two empty pages in a row, and repeats a tenth of a page (at least one, never all)', () => {
    const always = context({ emptyPageShare: 1, duplicatePageShare: 1 });
    expect([drawEmptyPage(always, false), drawEmptyPage(always, true)]).toEqual([true, false]);
    expect([1, 2, 9, 10, 100].map((length) => drawRepeated(always, length))).toEqual([0, 1, 1, 1, 10]);
    const never = context({});
    expect([drawEmptyPage(never, false), drawRepeated(never, 100)]).toEqual([false, 0]);
  });

  it('puts a nextLink or a deltaLink on a page, never both', () => {
    expect(deltaBody('ctx', [], { next: 'n' })).toEqual({ '@odata.context': 'ctx', '@odata.nextLink': 'n', value: [] });
    expect(Object.keys(deltaBody('ctx', [], { delta: 'd' }))).toEqual(['@odata.context', '@odata.deltaLink', 'value']);
  });
});
