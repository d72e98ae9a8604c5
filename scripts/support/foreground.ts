/**
 * The shared plumbing of the dev tools that run a service in the foreground (`npm run broker`, `npm run
 * registry`): progress on stderr, port flags, stop on SIGINT/SIGTERM, and the exit code of a failure.
 */

export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** A `--name N` port flag; a bad value prints the usage and exits 2. */
export function portOption(name: string, raw: string | undefined, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--${name} must be a port number, got ${JSON.stringify(raw)}\n${usage}`);
    process.exit(2);
  }
  return port;
}

/** Stops `what` once on the first SIGINT or SIGTERM, then exits 0 (1 when stopping failed). */
export function stopOnSignal(what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the ${what}`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** A failed start: the stack on stderr, exit 1. */
export function exitWithFailure(error: unknown): never {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
