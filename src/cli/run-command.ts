import {
  formatProblem,
  loadConfig,
  summarizeConfig,
  type ConfigWarning,
  type ConnectorConfig,
  type EnvSource,
} from '../config/index.js';
import { toError } from '../errors.js';
import { createLogger } from '../observability/index.js';
import { createWorker } from '../pipeline/index.js';
import { parseRunFlags } from './args.js';
import { waitForStopSignal } from './signals.js';

/** `run --config FILE [--shards a,b]`: runs the worker until SIGTERM or SIGINT, then shuts down gracefully. */
export async function runRun(args: string[]): Promise<number> {
  const flags = parseRunFlags(args);
  // --shards is the static assignment of the config, given on the command line (one pod per shard, say);
  // passing it as the settings' environment variables keeps one validation path for both.
  const env =
    flags.shards === undefined
      ? process.env
      : { ...process.env, PRESENCE_ASSIGNMENT_MODE: 'static', PRESENCE_ASSIGNMENT_SHARDS: flags.shards };
  const warnings: ConfigWarning[] = [];
  const config = loadReporting(flags.config, env, warnings);
  const logger = createLogger({ level: config.observability.logLevel });
  // What check-config lists under "Warnings:", so that a worker started without it says so too.
  for (const warning of warnings) logger.warn({ envVar: warning.envVar }, formatProblem(warning));
  for (const warning of summarizeConfig(config).warnings) logger.warn(`configuration: ${warning}`);
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
    await worker
      .stop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, 'shutdown after failure failed'));
    return 1;
  }
}

/**
 * Loads the config, collecting its warnings for the logger, which the config configures. When the load fails
 * they go to stderr beside the error (main.ts prints it): a misspelt variable may be what left a setting unset.
 */
function loadReporting(file: string, env: EnvSource, warnings: ConfigWarning[]): ConnectorConfig {
  try {
    return loadConfig({ file, env, onWarning: (warning) => warnings.push(warning) });
  } catch (error) {
    for (const warning of warnings) process.stderr.write(`warning: ${formatProblem(warning)}\n`);
    throw error;
  }
}
