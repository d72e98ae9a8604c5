export interface StopSignalOptions {
  /** Called for a stop signal that comes after the first one; default: exit 130 at once. */
  onRepeat?: (signal: NodeJS.Signals) => void;
  /**
   * A repeat within this window is the same Ctrl-C arriving twice: the terminal signals the whole process group,
   * and `npm run` and tsx forward it once more to their child. Default 1000 ms.
   */
  duplicateWindowMs?: number;
}

/**
 * Resolves with the first SIGTERM or SIGINT. The listeners stay installed afterwards, so a later signal is a
 * deliberate "do not wait for the graceful path" instead of Node's default termination.
 */
export function waitForStopSignal(options: StopSignalOptions = {}): Promise<NodeJS.Signals> {
  const windowMs = options.duplicateWindowMs ?? 1_000;
  const onRepeat = options.onRepeat ?? (() => process.exit(130));
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        resolve(signal);
      } else if (Date.now() - firstAt > windowMs) {
        onRepeat(signal);
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export interface HeldStopSignals {
  /** Stops holding; returns the first stop signal that came meanwhile, if any. */
  release(): NodeJS.Signals | undefined;
}

/**
 * Keeps SIGTERM and SIGINT from terminating the process while a command loads, noting the first. Release it
 * before the command runs (in the same tick, so that no signal falls between): the command then listens itself,
 * or, not listening, is terminated by a signal as Node does by default.
 */
export function holdStopSignals(): HeldStopSignals {
  let first: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    first ??= signal;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    release() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      return first;
    },
  };
}
