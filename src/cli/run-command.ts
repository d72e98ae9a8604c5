import { loadConfig } from '../config/index.js';
import { toError } from '../errors.js';
import { createLogger } from '../observability/index.js';
import { createWorker } from '../pipeline/index.js';
import { parseConfigFlag } from './args.js';
import { waitForStopSignal } from './signals.js';

/** `run --config FILE`: runs the worker until SIGTERM or SIGINT, then shuts down gracefully. */
export async function runRun(args: string[]): Promise<number> {
  const { config: file } = parseConfigFlag(args);
  const config = loadConfig({ file });
  const logger = createLogger({ level: config.observability.logLevel });
  const worker = createWorker(config, { logger });
  const stopped = waitForStopSignal({
    onRepeat: () => {
      logger.warn('second signal: exiting at once');
      process.exit(130);
    },
  });
  try {
    const starting = worker.start();
    // A stop signal during start (Kafka still unreachable, say) must not wait for start to succeed.
    const first = await Promise.race([starting.then(() => 'started' as const), stopped]);
    if (first !== 'started') {
      starting.catch((error: unknown) => logger.debug({ err: error }, 'start abandoned by shutdown'));
    }
    const signal = first === 'started' ? await stopped : first;
    logger.info({ signal }, 'stopping: finishing requests in flight and flushing Kafka');
    await worker.stop();
    logger.info('stopped cleanly');
    return 0;
  } catch (error) {
    logger.fatal({ err: toError(error) }, 'worker failed');
    await worker.stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'shutdown after failure failed'));
    return 1;
  }
}
