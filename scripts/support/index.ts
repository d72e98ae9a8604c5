/** Helpers every dev tool shares: its error type, port picking, child-process reaping, command output. */
export { DevToolError, DevToolErrorCodes, errorMessage, isDevToolError } from './errors.js';
export type { DevToolErrorCode, DevToolErrorOptions } from './errors.js';
export { exitWithFailure, log, portOption, stopOnSignal } from './foreground.js';
export { freePort, freePorts, type FreePortOptions } from './free-port.js';
export {
  findProjectRoot,
  readLogTail,
  runCollecting,
  tailText,
  withoutStackFrames,
  type CollectedRun,
} from './output.js';
export { releaseDir, removeDirAtExit, spawnReaped } from './reaper.js';
