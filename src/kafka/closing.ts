import { logLevel, type Kafka } from 'kafkajs';
import { toError } from '../errors.js';

/** The debug level of a logger. */
export interface DebugLog {
  debug(message: string, extra?: object): void;
}

/**
 * The client's own logger, so these lines go where its lines go (createKafkaClient's mapping, a pino logger).
 * Its namespace logs debug whatever level the client runs at (warn): the logger it feeds decides what shows.
 */
export function kafkaDebugLog(kafka: Kafka): DebugLog {
  return kafka.logger().namespace('Connector', logLevel.DEBUG);
}

/**
 * Runs `work` on a connection and closes the connection afterwards, as src/sink/discard.ts does for producers.
 * When `work` failed, its error is the one reported: a failing close of the same (probably broken) connection is
 * logged at debug and not thrown, so it cannot hide the cause. When `work` succeeded, a failing close is the
 * failure, since nothing else would report it.
 */
export async function closeAfter<T>(
  work: () => Promise<T>,
  close: () => Promise<void>,
  log: DebugLog,
  what: string,
): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await close().catch((closeError: unknown) => {
      log.debug(`closing ${what} after a failure failed too`, { error: toError(closeError).message });
    });
    throw error;
  }
  await close();
  return result;
}
