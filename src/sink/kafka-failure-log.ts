import type { Logger } from 'pino';
import { isConnectorError } from '../errors.js';
import { LogThrottle } from '../kafka/index.js';

/**
 * The sink's own lines while Kafka fails. Each shard's publisher retries on its own, and each retry was a warning
 * with a stack: with Kafka down, a line per shard per attempt. Here every failure is logged at debug with its stack,
 * and at warn once per cause per interval, shared by all shards, with the error's message and the number of
 * repeats held back since the previous warning. Readiness says meanwhile that Kafka is failing (publisherObserver).
 */
export class KafkaFailureLog {
  constructor(
    private readonly logger: Logger,
    private readonly throttle: LogThrottle = new LogThrottle(),
  ) {}

  /** One failure; `message` says what failed and what happens next. */
  failed(message: string, error: Error, fields: Record<string, unknown> = {}): void {
    this.logger.debug({ ...fields, err: error }, message);
    const repeats = this.throttle.admit(`${message}\u0000${causeOf(error)}`);
    if (repeats === undefined) return;
    this.logger.warn(
      {
        ...fields,
        error: error.message,
        ...(isConnectorError(error) ? { code: error.code } : {}),
        ...(repeats > 0 ? { repeats } : {}),
      },
      message,
    );
  }

  /**
   * What failed with `failedMessage` worked again: one info line (once per interval, as many shards recover at
   * once), and the next failure of that kind is logged at once rather than held back as a repeat.
   */
  recovered(failedMessage: string, message: string, fields: Record<string, unknown> = {}): void {
    this.throttle.forget(`${failedMessage}\u0000`);
    if (this.throttle.admit(`recovered\u0000${message}`) !== undefined) this.logger.info(fields, message);
  }
}

/** The same failure is the same error code and message: a broker's address is in the message, so is per broker. */
function causeOf(error: Error): string {
  return isConnectorError(error) ? `${error.code}\u0000${error.message}` : `${error.name}\u0000${error.message}`;
}
