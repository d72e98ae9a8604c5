/**
 * Runs inside the simulator child (simulator-child.ts). The simulator records every presence it serves in a 200,
 * per request: at 100,000 users polled every few seconds that is millions of entries within minutes. This folds
 * the recording into what a soak needs, the distinct sequence numbers served per user and when each was first
 * served, and then clears the simulator's recording. The counters are carried across those clears.
 */
import type { GraphSimulator, RecordingCounters } from '../../src/simulator/index.js';
import type { ServedSequences } from './simulator-protocol.js';

/** Often enough that the recording between two folds stays small (a few polls of every user). */
const FOLD_EVERY_MS = 5_000;

export interface ServedFolder {
  served(): ServedSequences;
  /** The counters since the start (or the last reset), across the folds' clears. */
  counters(): RecordingCounters;
  reset(): void;
  stop(): void;
}

interface UserServed {
  sequences: string[];
  firstAt: number[];
}

function addCounters(into: RecordingCounters, more: RecordingCounters): RecordingCounters {
  const byStatus = { ...into.byStatus };
  for (const [status, count] of Object.entries(more.byStatus)) {
    byStatus[Number(status)] = (byStatus[Number(status)] ?? 0) + count;
  }
  return {
    requests: into.requests + more.requests,
    presenceRequests: into.presenceRequests + more.presenceRequests,
    tokenRequests: into.tokenRequests + more.tokenRequests,
    throttled: into.throttled + more.throttled,
    byStatus,
    presencesServed: into.presencesServed + more.presencesServed,
  };
}

function emptyCounters(): RecordingCounters {
  return { requests: 0, presenceRequests: 0, tokenRequests: 0, throttled: 0, byStatus: {}, presencesServed: 0 };
}

export function createServedFolder(simulator: GraphSimulator): ServedFolder {
  let users = new Map<string, UserServed>();
  let carried = emptyCounters();

  // Synchronous from the first read to the clear: no request can be served in between (one JS thread).
  const fold = (): void => {
    const recording = simulator.recording;
    for (const userId of recording.servedUserIds()) {
      let entry = users.get(userId);
      for (const presence of recording.servedFor(userId)) {
        const sequence = presence.sequenceNumber;
        if (sequence === null) continue;
        if (entry === undefined) {
          entry = { sequences: [], firstAt: [] };
          users.set(userId, entry);
        }
        if (entry.sequences.includes(sequence)) continue;
        entry.sequences.push(sequence);
        entry.firstAt.push(presence.atWallMs);
      }
    }
    carried = addCounters(carried, recording.counters());
    simulator.resetRecording();
  };
  const timer = setInterval(fold, FOLD_EVERY_MS);

  return {
    served() {
      fold();
      const out: ServedSequences = {};
      for (const [userId, entry] of users) {
        out[userId] = entry.sequences.map((sequenceNumber, index) => ({
          sequenceNumber,
          firstServedAtMs: entry.firstAt[index] ?? 0,
        }));
      }
      return out;
    },
    counters() {
      return addCounters(carried, simulator.recording.counters());
    },
    reset() {
      simulator.resetRecording();
      users = new Map();
      carried = emptyCounters();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
