/**
 * The 200 answer of the presence endpoint: one presence per requested user, written straight into bytes, with
 * the per-user faults (sequence numbers) and the body faults (malformed or truncated JSON) drawn here.
 */
import { ByteWriter } from './byte-writer.js';
import type { PresenceClock, PresenceContext, PresenceOutcome } from './graph-presence.js';
import { graphHeaders, type Reply, type RequestIds } from './http-util.js';
import type { SimulatorFaults } from './options.js';
import {
  writePresence,
  writeUnknownPresence,
  type SequenceVariant,
  type ServedFields,
  type WriteOptions,
} from './presence-json.js';
import { chance, randomInt, type Random } from './random.js';
import { isGuid, userIndexOf } from './user-ids.js';

/** Initial buffer size per requested id; a typical presence is ~300 bytes, the writer grows if needed. */
const BYTES_PER_PRESENCE = 360;
const COMMA = 44;

type BodyFault = 'malformedJson' | 'truncatedJson' | null;

function drawBodyFault(random: Random, faults: SimulatorFaults): BodyFault {
  if (chance(random, faults.malformedJsonShare)) return 'malformedJson';
  if (chance(random, faults.truncatedJsonShare)) return 'truncatedJson';
  return null;
}

function sequenceVariant(context: PresenceContext, faults: SimulatorFaults, index: number): SequenceVariant {
  const { random, store } = context;
  if (chance(random, faults.missingSequenceShare)) return faults.missingSequenceAs;
  if (!store.hasPrevious(index)) return 'current';
  if (chance(random, faults.olderSequenceShare)) return 'older';
  if (chance(random, faults.repeatedSequenceShare)) return 'repeated';
  return 'current';
}

/**
 * Remembers which users a request already served, without allocating per request: a user was served by the
 * current request when its stamp equals the request's.
 */
export class DuplicateFilter {
  private readonly stamps: Uint32Array;
  private current = 0;

  constructor(userCount: number) {
    this.stamps = new Uint32Array(userCount);
  }

  nextRequest(): void {
    this.current = (this.current + 1) >>> 0;
    if (this.current === 0) {
      this.stamps.fill(0);
      this.current = 1;
    }
  }

  /** True the first time an index is seen in the current request. */
  firstTime(index: number): boolean {
    if (this.stamps[index] === this.current) return false;
    this.stamps[index] = this.current;
    return true;
  }
}

export interface ResolvedIds {
  /** Lowercased requested ids. */
  ids: string[];
  /** User index per id; -1 for an id that is no user here. */
  indices: Int32Array;
  firstNotGuid: string | null;
}

/** The GUID syntax check only runs for ids that are no known user: known ids are well-formed by construction. */
export function resolveIds(context: PresenceContext, requested: string[]): ResolvedIds {
  const ids = requested.map(lowercaseAscii);
  const indices = new Int32Array(ids.length);
  let firstNotGuid: string | null = null;
  ids.forEach((id, i) => {
    const found = userIndexOf(id, context.store.count, context.seed);
    const index = found >= 0 && !context.inDirectory(found) ? -1 : found;
    indices[i] = index;
    if (index < 0 && firstNotGuid === null && !isGuid(id)) firstNotGuid = requested[i] ?? id;
  });
  return { ids, indices, firstNotGuid };
}

export function presences(
  context: PresenceContext,
  faults: SimulatorFaults,
  resolved: ResolvedIds,
  version: string,
  ids: RequestIds,
  clock: PresenceClock,
  clientId: string,
): PresenceOutcome {
  const { store, recorder, duplicates } = context;
  const bodyFault = drawBodyFault(context.random, faults);
  const record = recorder.recordServed && bodyFault === null;
  const nowSeconds = Math.floor(clock.wallMs / 1000);
  const served: ServedFields = { availability: '', activity: '', sequenceNumber: null };
  // One options object mutated per user: this loop runs 650 times per request.
  const write: WriteOptions = {
    variant: 'current',
    statusDates: faults.statusMessageDates === 'present',
    served: record ? served : undefined,
  };
  const out = new ByteWriter(BYTES_PER_PRESENCE * (resolved.ids.length + 1));
  out.ascii(
    `{"@odata.context":"${context.origin}/${version}/$metadata#Collection(microsoft.graph.presence)","value":[`,
  );
  // A stray comma after `"value":[` is invalid JSON wherever it lands, unlike random edits that may hit a string.
  if (bodyFault === 'malformedJson') out.byte(COMMA);
  duplicates.nextRequest();
  let count = 0;
  resolved.ids.forEach((id, i) => {
    const index = resolved.indices[i] ?? -1;
    if (index < 0) {
      if (faults.unknownUsers !== 'presenceUnknown' || !isGuid(id)) return;
      if (count++ > 0) out.byte(COMMA);
      writeUnknownPresence(out, id);
      return;
    }
    // Graph answers each user once however often it is asked for.
    if (!duplicates.firstTime(index)) return;
    store.expireStatusIfDue(index, nowSeconds);
    if (count++ > 0) out.byte(COMMA);
    write.variant = sequenceVariant(context, faults, index);
    writePresence(out, store, index, id, write);
    if (record) recorder.servedPresence(id, { ...served, atWallMs: clock.wallMs });
  });
  out.ascii(']}');
  const body = truncateIf(out.finish(), bodyFault, context.random);
  const reply: Reply = { status: 200, headers: graphHeaders(ids), body };
  return {
    reply,
    clientId,
    idsCount: resolved.ids.length,
    presencesServed: bodyFault === null ? count : 0,
    fault: bodyFault,
  };
}

/** Most clients send lowercase ids already; avoid allocating a copy for them. */
function lowercaseAscii(value: string): string {
  return /[A-Z]/.test(value) ? value.toLowerCase() : value;
}

/** Any proper prefix of a JSON object is invalid JSON, so a cut anywhere makes the body unparseable. */
function truncateIf(body: Buffer, fault: BodyFault, random: Random): Buffer {
  if (fault !== 'truncatedJson') return body;
  return body.subarray(0, 1 + randomInt(random, body.length - 1));
}
