import { isConnectorError, toError } from '../errors.js';

/** Where in a cycle a failure happened. */
export type CycleStep = 'batch' | 'retire' | 'watermark';

/** The failures of one cycle that share a cause, counted once: what the cycle's report carries instead of a list. */
export interface CycleFailure {
  /** The error code and, where the error has one, its sign-in reason or HTTP status: `GRAPH_UNAVAILABLE:503`. */
  cause: string;
  step: CycleStep;
  count: number;
  /** The first of them, for its message and details. */
  error: Error;
}

/**
 * What makes two failures "the same": twenty batches refused for one wrong secret are one cause, a 503 and a 504
 * are two. A ConnectorError's code plus its sign-in reason or HTTP status; any other error its name.
 */
export function causeOf(error: Error): string {
  if (!isConnectorError(error)) return error.name;
  const { reason, status } = error.details;
  if (typeof reason === 'string') return `${error.code}:${reason}`;
  if (typeof status === 'number') return `${error.code}:${status}`;
  return error.code;
}

/** Groups a cycle's failures by step and cause, in the order each cause first appeared. */
export function groupFailures(failures: ReadonlyArray<{ step: CycleStep; error: unknown }>): CycleFailure[] {
  const groups = new Map<string, CycleFailure>();
  for (const { step, error } of failures) {
    const failure = toError(error);
    const cause = causeOf(failure);
    const key = `${step} ${cause}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { cause, step, count: 1, error: failure });
    else group.count++;
  }
  return [...groups.values()];
}
