import type { Logger } from 'pino';
import { isConnectorError } from '../errors.js';
import { retry, type BackoffPolicy, type RetryAttemptInfo } from '../retry/index.js';
import { registerEventSchema, type EventSchemaRegistration, type RegisterEventSchemaArgs } from './registration.js';

export const REGISTRY_UNAVAILABLE =
  'Schema Registry unavailable; nothing is published until the event schema id is known';

/**
 * A registry that stays down is repeated once a minute, as Kafka failures are (src/kafka/log-throttle.ts says
 * why); the first failure and a changed reason are logged at once.
 */
const REPEAT_INTERVAL_MS = 60_000;

export interface WaitForEventSchemaArgs extends RegisterEventSchemaArgs {
  /** The registry's base URL, named in the log line. */
  url: string;
  policy: BackoffPolicy;
  /** Ends the wait (the worker stops): the last failure is thrown. */
  signal: AbortSignal;
  logger: Logger;
  /** After each failed attempt, with its reason: what readiness says meanwhile. */
  onWaiting(reason: string): void;
  /** For tests: the repeat interval and the clock. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * The start-up wait for the registry: registers (or finds) the event schema, retrying while the registry is
 * unreachable (SCHEMA_REGISTRY_UNAVAILABLE is retriable) and failing at once on anything else (auto-register off
 * and the schema missing, incompatible, unauthorized). Each failed attempt is logged at debug with its stack; at
 * warn the first, then one a minute while the reason stays the same, with the count held back in between.
 */
export async function waitForEventSchema(args: WaitForEventSchemaArgs): Promise<EventSchemaRegistration> {
  const log = waitLog(args);
  return retry(() => registerEventSchema(args), {
    policy: args.policy,
    signal: args.signal,
    onRetry: (info) => {
      args.onWaiting(info.error.message);
      log(info);
    },
  });
}

function waitLog(args: WaitForEventSchemaArgs): (info: RetryAttemptInfo) => void {
  const { logger, subject, url } = args;
  const intervalMs = args.intervalMs ?? REPEAT_INTERVAL_MS;
  const now = args.now ?? Date.now;
  let last: { reason: string; at: number } | undefined;
  let held = 0;
  return ({ error, attempt, delayMs }) => {
    const fields = { subject, url, attempt, retryInMs: delayMs };
    logger.debug({ ...fields, err: error }, REGISTRY_UNAVAILABLE);
    const at = now();
    if (last !== undefined && last.reason === error.message && at - last.at < intervalMs) {
      held++;
      return;
    }
    logger.warn(
      {
        ...fields,
        error: error.message,
        ...(isConnectorError(error) ? { code: error.code } : {}),
        ...(held > 0 ? { repeats: held } : {}),
      },
      REGISTRY_UNAVAILABLE,
    );
    last = { reason: error.message, at };
    held = 0;
  };
}
