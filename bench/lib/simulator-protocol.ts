/** Messages between a benchmark and the simulator child (simulator-child.ts). */
import type { RecordingCounters, SimulatorFaults } from '../../src/simulator/index.js';

export interface SimulatorInfo {
  graphUrl: string;
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertificatePem: string;
  userCount: number;
}

/** A presence request as the simulator saw it: monotonic arrival time in the simulator's clock. */
export interface Arrival {
  atMs: number;
  status: number;
  durationMs: number;
}

export type SimulatorRequest =
  /** Changes round(share × users) distinct random users (changeUsers). */
  | { id: number; op: 'changeShare'; share: number }
  | { id: number; op: 'counters' }
  | { id: number; op: 'arrivals' }
  | { id: number; op: 'reset' }
  /** Merges into the simulator's faults at run time (GraphSimulator.setFaults). */
  | { id: number; op: 'setFaults'; faults: Partial<SimulatorFaults> }
  /**
   * With `recordServedPresences`: the distinct sequence numbers served per user since the start (see
   * simulator-child.ts, which folds the simulator's per-request recording into this compact form as it goes).
   */
  | { id: number; op: 'served' }
  | { op: 'close' };

/** Per user id: each distinct sequence number served in a 200, with the wall time it was first served. */
export type ServedSequences = Record<string, Array<{ sequenceNumber: string; firstServedAtMs: number }>>;

export type SimulatorReply =
  | { op: 'ready'; info: SimulatorInfo }
  /** presenceRequestsBefore: presence requests served before the change, to prove no poll cycle straddled it. */
  | { id: number; op: 'changeShare'; changed: number; presenceRequestsBefore: number }
  | { id: number; op: 'counters'; counters: RecordingCounters }
  | { id: number; op: 'arrivals'; arrivals: Arrival[] }
  | { id: number; op: 'reset' }
  | { id: number; op: 'setFaults' }
  | { id: number; op: 'served'; served: ServedSequences };
