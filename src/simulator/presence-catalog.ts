/**
 * What a Teams population looks like: the availability/activity pairs Graph actually reports, how often each occurs
 * in a working day, and which state plausibly follows which. The store keeps one byte per user pointing into these
 * tables, which is what lets a million users fit in a few megabytes.
 */
import { cumulativeWeights } from './random.js';

export interface PresenceState {
  readonly availability: string;
  readonly activity: string;
}

interface StateSpec extends PresenceState {
  /** Share of the population in this state at start (relative weight). */
  readonly initialWeight: number;
  /** Next states by key `Availability/Activity`, with relative weights. Empty: the state never changes by itself. */
  readonly next: Readonly<Record<string, number>>;
}

const AVAILABLE = 'Available/Available';
const AVAILABLE_IDLE = 'AvailableIdle/Available';
const AWAY = 'Away/Away';
const BRB = 'BeRightBack/BeRightBack';
const IN_A_CALL = 'Busy/InACall';
const CONFERENCE = 'Busy/InAConferenceCall';
const MEETING = 'Busy/InAMeeting';
const BUSY = 'Busy/Busy';
const BUSY_IDLE = 'BusyIdle/Busy';
const PRESENTING = 'DoNotDisturb/Presenting';
const DND = 'DoNotDisturb/DoNotDisturb';
const FOCUSING = 'DoNotDisturb/Focusing';
const OFFLINE = 'Offline/Offline';
const OFF_WORK = 'Offline/OffWork';
export const OUT_OF_OFFICE_KEY = 'Offline/OutOfOffice';
export const PRESENCE_UNKNOWN_KEY = 'PresenceUnknown/PresenceUnknown';

/** Weights approximate a weekday afternoon; exact shares do not matter, plausible variety does. */
const STATE_SPECS: readonly StateSpec[] = [
  spec(AVAILABLE, 22, {
    [MEETING]: 25,
    [IN_A_CALL]: 20,
    [AVAILABLE_IDLE]: 20,
    [AWAY]: 10,
    [BRB]: 8,
    [OFF_WORK]: 7,
    [BUSY]: 6,
    [PRESENTING]: 4,
  }),
  spec(AVAILABLE_IDLE, 5, { [AVAILABLE]: 40, [AWAY]: 45, [OFFLINE]: 15 }),
  spec(AWAY, 9, { [AVAILABLE]: 50, [OFFLINE]: 30, [OFF_WORK]: 20 }),
  spec(BRB, 2, { [AVAILABLE]: 80, [AWAY]: 20 }),
  spec(IN_A_CALL, 6, { [AVAILABLE]: 70, [MEETING]: 10, [BUSY_IDLE]: 10, [BUSY]: 10 }),
  spec(CONFERENCE, 1, { [AVAILABLE]: 70, [MEETING]: 30 }),
  spec(MEETING, 11, { [AVAILABLE]: 60, [IN_A_CALL]: 15, [PRESENTING]: 10, [BUSY_IDLE]: 10, [CONFERENCE]: 5 }),
  spec(BUSY, 4, { [AVAILABLE]: 60, [BUSY_IDLE]: 20, [MEETING]: 20 }),
  spec(BUSY_IDLE, 1, { [BUSY]: 30, [AWAY]: 40, [AVAILABLE]: 30 }),
  spec(PRESENTING, 2, { [MEETING]: 50, [AVAILABLE]: 50 }),
  spec(DND, 2, { [AVAILABLE]: 70, [BUSY]: 30 }),
  spec(FOCUSING, 0.5, { [AVAILABLE]: 80, [DND]: 20 }),
  spec(OFFLINE, 22, { [AVAILABLE]: 80, [AWAY]: 20 }),
  spec(OFF_WORK, 8, { [AVAILABLE]: 90, [OFFLINE]: 10 }),
  spec(OUT_OF_OFFICE_KEY, 2, { [OFFLINE]: 50, [AVAILABLE]: 50 }),
  // Users without a Teams licence or who never signed in: Graph keeps answering PresenceUnknown for them.
  spec(PRESENCE_UNKNOWN_KEY, 2.5, {}),
];

function spec(key: string, initialWeight: number, next: Record<string, number>): StateSpec {
  const [availability = '', activity = ''] = key.split('/');
  return { availability, activity, initialWeight, next };
}

export function stateKey(state: PresenceState): string {
  return `${state.availability}/${state.activity}`;
}

export interface StatusMessageSpec {
  readonly content: string;
  /** Hours until the message expires; null: it does not expire. */
  readonly expiresAfterHours: number | null;
}

/** Index 0 of every interned table means "none", so a zeroed typed array is a valid initial state. */
export const STATUS_MESSAGES: readonly (StatusMessageSpec | null)[] = [
  null,
  { content: 'In workshops all day, replies will be slow', expiresAfterHours: 8 },
  { content: 'Focus time until 3 pm 🎧', expiresAfterHours: 3 },
  { content: 'Working from the Lisbon office this week', expiresAfterHours: 120 },
  { content: 'On call for the payments platform', expiresAfterHours: 24 },
  { content: 'Parental leave until March, contact my team lead', expiresAfterHours: null },
  { content: 'Ask me about the Q3 roadmap', expiresAfterHours: null },
  { content: 'Lunch <3 "back soon"', expiresAfterHours: 1 },
  { content: 'Reviewing pull requests — ping if urgent', expiresAfterHours: 4 },
];

/** null: not out of office. An entry with a null message: out of office without an automatic reply text. */
export type OutOfOfficeEntry = { readonly message: string | null } | null;

export const OUT_OF_OFFICE_MESSAGES: readonly OutOfOfficeEntry[] = [
  null,
  { message: null },
  { message: 'I am out of the office until Monday with limited access to email.' },
  { message: 'On annual leave. For urgent matters contact the service desk.' },
  { message: '<p>Travelling to a customer site, back on Thursday.</p>' },
];

export interface WorkLocationSpec {
  readonly workLocationType: string;
  readonly source: string;
  /** `perUser`: one of PLACE_IDS chosen by user index (a building); a string: that place; null: no place. */
  readonly place: 'perUser' | string | null;
}

export const WORK_LOCATIONS: readonly WorkLocationSpec[] = [
  { workLocationType: 'unspecified', source: 'none', place: null },
  { workLocationType: 'office', source: 'manual', place: 'perUser' },
  { workLocationType: 'office', source: 'scheduled', place: 'perUser' },
  { workLocationType: 'office', source: 'automatic', place: 'perUser' },
  { workLocationType: 'remote', source: 'manual', place: null },
  { workLocationType: 'remote', source: 'scheduled', place: null },
  { workLocationType: 'timeOff', source: 'scheduled', place: null },
];
export const WORK_LOCATION_WEIGHTS: readonly number[] = [40, 20, 10, 5, 15, 5, 5];
export const TIME_OFF_LOCATION = 6;

export const PLACE_IDS: readonly string[] = [
  '5b0f3e5a-7c2d-4d7e-9a0b-1f6c1b2d9e01',
  'c1a9e7d4-3b6f-4a8e-8c2d-7e5f4a3b2c11',
  '9e8d7c6b-5a4f-4e3d-b2c1-a0f9e8d7c621',
  '0f1e2d3c-4b5a-4968-8776-655443322131',
];

/** Mutable so that `setPresence` can intern pairs the catalog does not know (camelCase values, future values). */
export class StateTable {
  readonly states: PresenceState[] = [];
  /** `"availability":...,"activity":...` per state, escaped and UTF-8 encoded once. */
  readonly fragments: Buffer[] = [];
  private readonly indexByKey = new Map<string, number>();
  private readonly transitions: { targets: number[]; cumulative: Float64Array }[] = [];
  readonly initialCumulative: Float64Array;

  constructor() {
    for (const { availability, activity } of STATE_SPECS) this.intern({ availability, activity });
    STATE_SPECS.forEach((state, index) => {
      const targets = Object.keys(state.next).map((key) => this.mustIndex(key));
      this.transitions[index] = { targets, cumulative: cumulativeWeights(Object.values(state.next)) };
    });
    this.initialCumulative = cumulativeWeights(STATE_SPECS.map((state) => state.initialWeight));
  }

  /** Returns the index of the pair, adding it if new. One byte per user caps the table at 256 pairs. */
  intern(state: PresenceState): number {
    const key = stateKey(state);
    const known = this.indexByKey.get(key);
    if (known !== undefined) return known;
    if (this.states.length >= 256) throw new RangeError('At most 256 distinct availability/activity pairs');
    this.states.push({ availability: state.availability, activity: state.activity });
    this.fragments.push(
      Buffer.from(`"availability":${JSON.stringify(state.availability)},"activity":${JSON.stringify(state.activity)}`),
    );
    this.indexByKey.set(key, this.states.length - 1);
    return this.states.length - 1;
  }

  mustIndex(key: string): number {
    const index = this.indexByKey.get(key);
    if (index === undefined) throw new Error(`Unknown presence state ${key}`);
    return index;
  }

  /** Transitions of a state; pairs added at run time have none and fall back to Available. */
  transitionsOf(index: number): { targets: number[]; cumulative: Float64Array } | undefined {
    return this.transitions[index];
  }
}

/**
 * Values users can be given at run time beyond the built-in lists (tests set arbitrary status texts). Each entry keeps
 * its JSON fragment, escaped and UTF-8 encoded once, because doing that per served presence would dominate the
 * response time.
 */
export class Interner<T> {
  readonly values: T[] = [];
  readonly fragments: Buffer[] = [];
  private readonly indexByKey = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly keyOf: (value: T) => string,
    private readonly fragmentOf: (value: T) => string,
    initial: readonly T[],
  ) {
    for (const value of initial) this.intern(value);
  }

  intern(value: T): number {
    const key = this.keyOf(value);
    const known = this.indexByKey.get(key);
    if (known !== undefined) return known;
    if (this.values.length >= this.capacity) throw new RangeError(`At most ${this.capacity} distinct values`);
    this.values.push(value);
    this.fragments.push(Buffer.from(this.fragmentOf(value)));
    this.indexByKey.set(key, this.values.length - 1);
    return this.values.length - 1;
  }
}

/** The tables one simulator instance uses; per instance because `setPresence` may add to them. */
export interface PresenceCatalog {
  readonly states: StateTable;
  /** Index 0 is "no status message". Fragment: the `message` itemBody object. */
  readonly statusMessages: Interner<StatusMessageSpec | null>;
  /** Index 0 is "not out of office". Fragment: the JSON value of `outOfOfficeSettings.message`. */
  readonly outOfOfficeMessages: Interner<OutOfOfficeEntry>;
  /** Fragment: `"workLocationType":...,"source":...,"placeId":` (the place is appended per user). */
  readonly workLocations: Interner<WorkLocationSpec>;
}

export function createCatalog(): PresenceCatalog {
  return {
    states: new StateTable(),
    statusMessages: new Interner<StatusMessageSpec | null>(
      0xffff,
      (value) => (value === null ? '' : `${value.expiresAfterHours ?? 'never'}:${value.content}`),
      (value) => (value === null ? 'null' : `{"content":${JSON.stringify(value.content)},"contentType":"text"}`),
      STATUS_MESSAGES,
    ),
    outOfOfficeMessages: new Interner<OutOfOfficeEntry>(
      0xff,
      (value) => (value === null ? 'none' : value.message === null ? 'silent' : `m:${value.message}`),
      (value) => JSON.stringify(value?.message ?? null),
      OUT_OF_OFFICE_MESSAGES,
    ),
    workLocations: new Interner<WorkLocationSpec>(
      0xff,
      (value) => `${value.workLocationType}/${value.source}/${value.place ?? ''}`,
      (value) =>
        `"workLocationType":${JSON.stringify(value.workLocationType)},"source":${JSON.stringify(value.source)},"placeId":`,
      WORK_LOCATIONS,
    ),
  };
}
