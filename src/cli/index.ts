/**
 * The CLI's public surface for scripts (the demo) and tests: its commands, and the pieces a script that shows
 * presence events the way `tail` does needs. The `presence-connector` binary itself is main.ts, which loads the
 * commands lazily; importing this file loads them all.
 */
export { UsageError } from './args.js';
export { runCheckConfig } from './check-config-command.js';
export { formatEventJson, formatEventLine, formatUndecodable, type EventFormat } from './event-view.js';
export {
  createRecordDecoder,
  describeValueFormat,
  type DecodedValue,
  type RecordDecoder,
  type ValueFormat,
} from './record-decoder.js';
export { printProcessWarnings } from './process-warnings.js';
export { runRun } from './run-command.js';
export { waitForStopSignal, type StopSignalOptions } from './signals.js';
export { runSimulate } from './simulate-command.js';
export { runTail, type TailOptions } from './tail-command.js';
