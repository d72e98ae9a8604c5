/**
 * Records shaped exactly like the connector's: Avro PresenceChange values with the connector's headers, keyed by
 * user id, and Avro PresenceState values keyed `<shard>/<userId>`, built by the connector's own codecs from the
 * presences the simulator would serve.
 */
import {
  buildPresenceEvent,
  createEventHeaderBuilder,
  createPresenceEventCodec,
  EVENT_HEADER_MODES,
  type EventHeaderBuilder,
  type EventHeaderMode,
  type PresenceChangeEvent,
} from '../../src/events/index.js';
import { parsePresenceResponse, type Presence } from '../../src/graph/index.js';
import { startGraphSimulator } from '../../src/simulator/index.js';
import { createStateCodec, stateOf } from '../../src/state/index.js';

export interface BenchRecord {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export const SHARD = 'all';

/** The connector's kafka.headers modes, plus `legacy`: the five headers of 0.1.0, kept to compare against. */
export type BenchHeaderMode = EventHeaderMode | 'legacy';
export const BENCH_HEADER_MODES: readonly BenchHeaderMode[] = [...EVENT_HEADER_MODES, 'legacy'];
const CONNECTOR = 'bench';

export function isBenchHeaderMode(value: string): value is BenchHeaderMode {
  return (BENCH_HEADER_MODES as readonly string[]).includes(value);
}

/** The header builder of a mode; `legacy` rebuilds 0.1.0's content-type, schema-name, -fingerprint, event-id, -kind. */
export function benchHeaderBuilder(mode: BenchHeaderMode): EventHeaderBuilder {
  if (mode !== 'legacy') return createEventHeaderBuilder({ mode, connectorName: CONNECTOR });
  const codec = createPresenceEventCodec();
  return (event) => ({
    'content-type': 'avro/binary',
    'schema-name': codec.schemaName,
    'schema-fingerprint': codec.schemaFingerprint,
    'event-id': event.eventId,
    'event-kind': event.kind,
  });
}

/**
 * The presences a fresh simulator with this user count serves (the default seed: a simulator child started
 * later with the same options serves the same ones, sequence numbers included), parsed by the connector's parser.
 * The simulator runs in this process only while they are generated.
 */
export async function simulatedPresences(userCount: number): Promise<Presence[]> {
  const simulator = await startGraphSimulator({ userCount, autoChurn: false, tls: false });
  try {
    const presences: Presence[] = [];
    for (let start = 0; start < userCount; start += 650) {
      const page = [];
      for (let index = start; index < Math.min(userCount, start + 650); index++)
        page.push(simulator.getPresence(index));
      presences.push(...parsePresenceResponse(JSON.stringify({ value: page })));
    }
    return presences;
  } finally {
    await simulator.close();
  }
}

/** CHANGE events: they carry the previous state, so they are the larger kind. */
export function changeEvents(presences: readonly Presence[], observedAt: number): PresenceChangeEvent[] {
  return presences.map((presence) =>
    buildPresenceEvent(presence, stateOf(presence, observedAt - 60_000), {
      tenantId: '6f1d3c9a-2b4e-4f8a-9c7d-5e3b1a0f2d4c',
      shard: SHARD,
      connector: CONNECTOR,
      observedAt,
    }),
  );
}

/** CHANGE events with the headers of `headers` (the connector's default unless told) and the state records. */
export function changeRecords(
  presences: readonly Presence[],
  observedAt: number,
  headers: BenchHeaderMode = 'cloudevents',
): { events: BenchRecord[]; state: BenchRecord[] } {
  const codec = createPresenceEventCodec();
  const stateCodec = createStateCodec();
  const headersOf = benchHeaderBuilder(headers);
  const events: BenchRecord[] = [];
  const state: BenchRecord[] = [];
  for (const [index, event] of changeEvents(presences, observedAt).entries()) {
    const presence = presences[index];
    if (presence === undefined) continue;
    events.push({ key: presence.id, value: codec.encode(event), headers: headersOf(event) });
    state.push({ key: stateCodec.key(SHARD, presence.id), value: stateCodec.encode(stateOf(presence, observedAt)) });
  }
  return { events, state };
}

export function recordBytes(record: BenchRecord): { value: number; key: number; headers: number } {
  let headers = 0;
  for (const [name, value] of Object.entries(record.headers ?? {}))
    headers += Buffer.byteLength(name) + Buffer.byteLength(value);
  return { value: record.value.length, key: Buffer.byteLength(record.key), headers };
}
