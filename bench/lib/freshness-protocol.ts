/** Messages between the freshness scenario and its simulator child (freshness-simulator-child.ts). */
import type { ChangeStampPage } from '../../src/simulator/change-stamps.js';
import type { RecordingCounters } from '../../src/simulator/index.js';
import type { SimulatorInfo } from './simulator-protocol.js';

export type { ChangeStampPage };

export interface FreshnessSimulatorRequestMap {
  /** Starts stamping changes; returns the stamp position from which the stamps are this run's. */
  startStamps: { reply: { position: number } };
  stopStamps: { reply: { size: number } };
  /** The stamp position now, stamping going on: where the measured changes end. */
  stampCount: { reply: { size: number } };
  stamps: { from: number; limit: number; reply: { page: ChangeStampPage } };
  counters: { reply: { counters: RecordingCounters } };
}

export type FreshnessOp = keyof FreshnessSimulatorRequestMap;
export type FreshnessArgs<Op extends FreshnessOp> = Omit<FreshnessSimulatorRequestMap[Op], 'reply'>;
export type FreshnessReply<Op extends FreshnessOp> = FreshnessSimulatorRequestMap[Op]['reply'];

export type FreshnessRequest = { [Op in FreshnessOp]: { id: number; op: Op } & FreshnessArgs<Op> }[FreshnessOp];

export type FreshnessMessage =
  { op: 'ready'; info: SimulatorInfo } | { op: 'reply'; id: number; reply: FreshnessReply<FreshnessOp> };

export interface FreshnessSimulatorStart {
  /** GraphSimulatorOptions minus churn, which the child drives itself (autoChurn is forced off). */
  options: Record<string, unknown>;
  /** Share of users changing per minute, applied on a timer (see the child). */
  changesPerMinuteShare: number;
  /** How often the timer applies the churn due. */
  churnTickMs: number;
}
