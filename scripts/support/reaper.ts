/**
 * Making sure no child service (a broker JVM, later a registry) outlives the Node process that started it, and that
 * temp dirs it owned go with it, however the process ends: normal exit, a signal, or even SIGKILL.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHooksInstalled = false;

/**
 * On Linux, `setpriv --pdeathsig KILL` makes the kernel kill the child even when Node itself is SIGKILLed or
 * crashes, where no JavaScript exit hook runs. setpriv execs the command, so the pid and signals stay the child's.
 */
const setprivPath = ((): string | undefined => {
  if (process.platform !== 'linux') return undefined;
  return ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => existsSync(candidate));
})();

function killAllNow(): void {
  for (const child of liveChildren) {
    // kill() reports a child that is already gone by returning false, not by throwing.
    child.kill('SIGKILL');
  }
  liveChildren.clear();
}

function removeOwnedDirsNow(): void {
  for (const dir of ownedDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      // The child may still be dying and writing; a leftover temp dir is harmless, but say so.
      process.stderr.write(`could not remove ${dir} at exit: ${String(error)}\n`);
    }
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    killAllNow();
    removeOwnedDirsNow();
  });
  // Node's default action for these signals ends the process without emitting 'exit'.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Another listener means the host shuts down in its own way (maybe a graceful stop()); the 'exit' hook
      // still catches whatever is left. Otherwise keep Node's default (terminate) by re-raising the signal.
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * spawn(), with the child killed when this process exits (exit hook) or dies (parent-death signal). The child is
 * forgotten once it exits by itself.
 */
export function spawnReaped(command: string, args: string[], options: SpawnOptions): ChildProcess {
  installExitHooks();
  const [file, argv] =
    setprivPath === undefined ? [command, args] : [setprivPath, ['--pdeathsig', 'KILL', command, ...args]];
  const child = spawn(file, argv, options);
  liveChildren.add(child);
  const forget = (): void => {
    liveChildren.delete(child);
  };
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/** Removes `dir` at process exit unless `releaseDir` is called first (the owner removed it itself). */
export function removeDirAtExit(dir: string): void {
  installExitHooks();
  ownedDirs.add(dir);
}

export function releaseDir(dir: string): void {
  ownedDirs.delete(dir);
}
