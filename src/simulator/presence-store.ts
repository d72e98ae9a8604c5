/**
 * Per-user presence kept in typed arrays (about 26 bytes a user), so a million users cost ~26 MB and no GC pressure.
 * Every change takes the next value of one global counter as the user's sequence number, so a user's numbers only
 * grow (until `restartSequence`); the previous state and number are kept to serve stale replicas when that fault is on.
 */
import {
  OUT_OF_OFFICE_KEY,
  OUT_OF_OFFICE_MESSAGES,
  PRESENCE_UNKNOWN_KEY,
  STATUS_MESSAGES,
  TIME_OFF_LOCATION,
  WORK_LOCATION_WEIGHTS,
  type PresenceCatalog,
  type PresenceState,
} from './presence-catalog.js';
import type { ChangeStamps } from './change-stamps.js';
import { chance, cumulativeWeights, mix32, pickWeighted, randomInt, type Random } from './random.js';

/** Digits after the letter; fixed width keeps string order equal to numeric order. */
export const SEQUENCE_DIGITS = 10;
/** Starts near the values seen in Microsoft's examples (`C0129312363`) so demo output looks familiar. */
const SEQUENCE_BASE = 129_300_000;
const INITIAL_STATUS_SHARE = 0.08;
const CHANGE_STATUS_SHARE = 0.1;
const CHANGE_WORK_LOCATION_SHARE = 0.05;
const START_OUT_OF_OFFICE_SHARE = 0.01;
const SECONDS_PER_HOUR = 3600;

/** What `setPresence` may change. Omitted fields keep their value. */
export interface PresencePatch {
  availability?: string;
  activity?: string;
  /** Text of the status message; null clears it. */
  statusMessage?: string | null;
  /** Hours until the new status message expires; null or omitted: never. */
  statusMessageExpiresAfterHours?: number | null;
  isOutOfOffice?: boolean;
  outOfOfficeMessage?: string | null;
  workLocation?: { workLocationType: string; source: string; placeId?: string | null };
}

export class PresenceStore {
  readonly state: Uint8Array;
  readonly previousState: Uint8Array;
  /** Sequence counter values; Float64 because the counter outgrows 32 bits in a long benchmark. 0: none yet. */
  readonly sequence: Float64Array;
  readonly previousSequence: Float64Array;
  readonly statusMessage: Uint16Array;
  /** Epoch seconds the status message was published. */
  readonly statusPublishedAt: Uint32Array;
  /** 0: not out of office; otherwise the out-of-office message index. */
  readonly outOfOffice: Uint8Array;
  readonly workLocation: Uint8Array;
  private nextSequence: number;
  /** Users whose numbers were restarted lower (`restartSequence`): what their numbers are taken below the counter. */
  private readonly sequenceOffsets = new Map<number, number>();
  private readonly available: number;
  private readonly outOfOfficeState: number;
  private readonly unknownState: number;
  private readonly workCumulative = cumulativeWeights(WORK_LOCATION_WEIGHTS);

  constructor(
    readonly count: number,
    private readonly seed: number,
    readonly catalog: PresenceCatalog,
    random: Random,
    nowSeconds: number,
    /** Where each change is stamped with its time, for freshness benchmarks (change-stamps.ts); off until started. */
    private readonly stamps: ChangeStamps | null = null,
  ) {
    this.state = new Uint8Array(count);
    this.previousState = new Uint8Array(count);
    this.sequence = new Float64Array(count);
    this.previousSequence = new Float64Array(count);
    this.statusMessage = new Uint16Array(count);
    this.statusPublishedAt = new Uint32Array(count);
    this.outOfOffice = new Uint8Array(count);
    this.workLocation = new Uint8Array(count);
    this.available = catalog.states.mustIndex('Available/Available');
    this.outOfOfficeState = catalog.states.mustIndex(OUT_OF_OFFICE_KEY);
    this.unknownState = catalog.states.mustIndex(PRESENCE_UNKNOWN_KEY);
    this.nextSequence = SEQUENCE_BASE + count;
    for (let i = 0; i < count; i++) this.initialise(i, random, nowSeconds);
  }

  private initialise(index: number, random: Random, nowSeconds: number): void {
    const state = pickWeighted(random, this.catalog.states.initialCumulative);
    this.state[index] = state;
    this.sequence[index] = SEQUENCE_BASE + index;
    this.workLocation[index] = pickWeighted(random, this.workCumulative);
    if (state === this.outOfOfficeState) this.enterOutOfOffice(index, random);
    if (chance(random, INITIAL_STATUS_SHARE)) {
      this.statusMessage[index] = 1 + randomInt(random, STATUS_MESSAGES.length - 1);
      // Published some time in the last hour, so that short-lived messages are still current at start.
      this.statusPublishedAt[index] = nowSeconds - randomInt(random, SECONDS_PER_HOUR);
    }
  }

  /**
   * The sequence number string Graph would send: a letter fixed per user (Graph's examples vary it, `A…`, `C…`) and
   * fixed-width digits, so string order equals numeric order.
   */
  sequenceNumber(index: number, value: number): string {
    return String.fromCharCode(this.sequenceLetter(index)) + String(value).padStart(SEQUENCE_DIGITS, '0');
  }

  /** Character code of the user's sequence number letter. */
  sequenceLetter(index: number): number {
    return 65 + (mix32(index ^ this.seed) & 3);
  }

  stateOf(index: number): PresenceState {
    return this.catalog.states.states[this.state[index] ?? 0] ?? { availability: '', activity: '' };
  }

  hasPrevious(index: number): boolean {
    return (this.previousSequence[index] ?? 0) > 0;
  }

  /**
   * A plausible next state for one user. Users in PresenceUnknown (no Teams) do not change by themselves; `force`
   * (an explicit change request) signs them in.
   */
  changeRandomly(index: number, random: Random, nowSeconds: number, force = false): boolean {
    const current = this.state[index] ?? 0;
    if (current === this.unknownState && !force) return false;
    this.bump(index);
    this.state[index] = this.nextState(current, random);
    if (current === this.outOfOfficeState) this.leaveOutOfOffice(index);
    else if (chance(random, START_OUT_OF_OFFICE_SHARE)) this.enterOutOfOffice(index, random);
    if (chance(random, CHANGE_STATUS_SHARE)) this.toggleStatus(index, random, nowSeconds);
    if (chance(random, CHANGE_WORK_LOCATION_SHARE)) {
      this.workLocation[index] = pickWeighted(random, this.workCumulative);
    }
    return true;
  }

  private nextState(current: number, random: Random): number {
    const transitions = this.catalog.states.transitionsOf(current);
    if (transitions === undefined || transitions.targets.length === 0) return this.available;
    return transitions.targets[pickWeighted(random, transitions.cumulative)] ?? this.available;
  }

  private enterOutOfOffice(index: number, random: Random): void {
    this.state[index] = this.outOfOfficeState;
    this.outOfOffice[index] = 1 + randomInt(random, OUT_OF_OFFICE_MESSAGES.length - 1);
    this.workLocation[index] = TIME_OFF_LOCATION;
  }

  private leaveOutOfOffice(index: number): void {
    this.outOfOffice[index] = 0;
    this.workLocation[index] = 0;
  }

  private toggleStatus(index: number, random: Random, nowSeconds: number): void {
    if (this.statusMessage[index] !== 0) {
      this.statusMessage[index] = 0;
      return;
    }
    this.statusMessage[index] = 1 + randomInt(random, STATUS_MESSAGES.length - 1);
    this.statusPublishedAt[index] = nowSeconds;
  }

  /** Applies an explicit change; always bumps the sequence number, so every visible change carries a new one. */
  patch(index: number, patch: PresencePatch, nowSeconds: number): void {
    const { states, statusMessages, outOfOfficeMessages, workLocations } = this.catalog;
    const current = this.stateOf(index);
    const availability = patch.availability ?? current.availability;
    const activity = patch.activity ?? current.activity;
    const state = states.intern({ availability, activity });
    this.bump(index);
    this.state[index] = state;
    if (patch.statusMessage !== undefined) {
      this.statusMessage[index] =
        patch.statusMessage === null
          ? 0
          : statusMessages.intern({
              content: patch.statusMessage,
              expiresAfterHours: patch.statusMessageExpiresAfterHours ?? null,
            });
      this.statusPublishedAt[index] = nowSeconds;
    }
    this.patchOutOfOffice(index, patch, (message) => outOfOfficeMessages.intern({ message }));
    if (patch.workLocation !== undefined) {
      const { workLocationType, source, placeId } = patch.workLocation;
      this.workLocation[index] = workLocations.intern({ workLocationType, source, place: placeId ?? null });
    }
  }

  private patchOutOfOffice(index: number, patch: PresencePatch, intern: (message: string | null) => number): void {
    if (patch.isOutOfOffice === false) {
      this.outOfOffice[index] = 0;
      return;
    }
    if (patch.isOutOfOffice !== true && patch.outOfOfficeMessage === undefined) return;
    if (patch.isOutOfOffice !== true && this.outOfOffice[index] === 0) return;
    const message =
      patch.outOfOfficeMessage === undefined ? this.currentOutOfOfficeMessage(index) : patch.outOfOfficeMessage;
    this.outOfOffice[index] = intern(message);
  }

  private currentOutOfOfficeMessage(index: number): string | null {
    return this.catalog.outOfOfficeMessages.values[this.outOfOffice[index] ?? 0]?.message ?? null;
  }

  /** Status messages past their expiry disappear; that is a change, so it takes a new sequence number. */
  expireStatusIfDue(index: number, nowSeconds: number): void {
    const message = this.catalog.statusMessages.values[this.statusMessage[index] ?? 0];
    if (message === null || message === undefined || message.expiresAfterHours === null) return;
    const expiresAt = (this.statusPublishedAt[index] ?? 0) + message.expiresAfterHours * SECONDS_PER_HOUR;
    if (nowSeconds < expiresAt) return;
    // Applied when the user is next served, but it happened at expiry: that is when it is stamped.
    this.bump(index, expiresAt * 1000);
    this.statusMessage[index] = 0;
  }

  /**
   * Restarts the user's sequence numbers far below the current ones (as a service migration would): the current
   * presence gets number 1, later changes 2, 3, ... (they still grow). No previous state is kept across the restart,
   * so stale-read faults never serve the old, higher number.
   */
  restartSequence(index: number): void {
    this.sequenceOffsets.set(index, this.nextSequence - 2);
    this.sequence[index] = 1;
    this.previousSequence[index] = 0;
  }

  private bump(index: number, changedAtMs?: number): void {
    this.previousState[index] = this.state[index] ?? 0;
    this.previousSequence[index] = this.sequence[index] ?? 0;
    const sequence = this.nextSequence++ - (this.sequenceOffsets.get(index) ?? 0);
    this.sequence[index] = sequence;
    this.stamps?.record(index, sequence, changedAtMs);
  }
}
