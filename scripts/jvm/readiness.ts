/**
 * When a started service counts as ready, as pluggable probes: an open TCP port, an HTTP GET that answers 2xx, a
 * line in its log. A probe answers `undefined` when ready and a short reason when not yet; it throws only for a
 * bug of its own, which ends the wait at once instead of being retried until the timeout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface ProbeContext {
  /** What was appended to `file` since the service was spawned: a restart appends to the same log. */
  readSinceSpawn(file: string): string;
}

export interface ReadinessProbe {
  readonly description: string;
  check(context: ProbeContext): Promise<string | undefined>;
}

/** Someone accepts TCP connections on host:port. */
export function tcpPortProbe(host: string, port: number, timeoutMs = 1_000): ReadinessProbe {
  return {
    description: `TCP ${host}:${port} accepts connections`,
    check: () =>
      new Promise((resolveCheck) => {
        const socket = connect({ host, port });
        const done = (reason: string | undefined): void => {
          socket.destroy();
          resolveCheck(reason);
        };
        socket.setTimeout(timeoutMs, () => done(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
        socket.once('connect', () => done(undefined));
        socket.once('error', (error) => done(`TCP ${host}:${port}: ${error.message}`));
      }),
  };
}

export interface HttpGetProbeOptions {
  /** Default: any 2xx. */
  acceptStatus?: (status: number) => boolean;
  timeoutMs?: number;
}

/** A GET on `url` answers with an accepted status, e.g. a Quarkus app's /q/health/ready. */
export function httpGetProbe(url: string, options: HttpGetProbeOptions = {}): ReadinessProbe {
  const accept = options.acceptStatus ?? ((status: number) => status >= 200 && status < 300);
  const timeoutMs = options.timeoutMs ?? 2_000;
  return {
    description: `GET ${url} answers`,
    check: async () => {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        // Refused, reset or timed out: the service is not listening yet, which is what this probe is for.
        return `GET ${url}: ${error instanceof Error ? error.message : String(error)}`;
      }
      await response.body?.cancel();
      return accept(response.status) ? undefined : `GET ${url}: status ${response.status}`;
    },
  };
}

/** This run of the service wrote a line matching `pattern` to `file`. */
export function logLineProbe(
  file: string,
  pattern: RegExp,
  description = `${file} matches ${pattern}`,
): ReadinessProbe {
  return {
    description,
    check: async (context) => (pattern.test(context.readSinceSpawn(file)) ? undefined : `not yet: ${description}`),
  };
}

/** Ready when every probe is, checked in order (put the cheap one first); the first reason not to be wins. */
export function allOf(...probes: ReadinessProbe[]): ReadinessProbe {
  return {
    description: probes.map((probe) => probe.description).join(' and '),
    check: async (context) => {
      for (const probe of probes) {
        const reason = await probe.check(context);
        if (reason !== undefined) return reason;
      }
      return undefined;
    },
  };
}

/** A ProbeContext that remembers how long each file was when it was created (just before the spawn). */
export function probeContextAtSpawn(files: readonly string[]): ProbeContext {
  const offsets = new Map(files.map((file) => [file, existsSync(file) ? readFileSync(file).length : 0]));
  return {
    readSinceSpawn: (file) => {
      if (!existsSync(file)) return '';
      return readFileSync(file)
        .subarray(offsets.get(file) ?? 0)
        .toString('utf8');
    },
  };
}

export interface WaitForReadyOptions {
  probe: ReadinessProbe;
  context: ProbeContext;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every probe: a reason here (the process exited, a fatal log line) ends the wait at once. */
  failed?: () => string | undefined;
}

export type ReadyOutcome = { ready: true } | { ready: false; reason: string };

export async function waitForReady(options: WaitForReadyOptions): Promise<ReadyOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  let lastReason = 'never probed';
  while (Date.now() < deadline) {
    const failed = options.failed?.();
    if (failed !== undefined) return { ready: false, reason: failed };
    const reason = await options.probe.check(options.context);
    if (reason === undefined) return { ready: true };
    lastReason = reason;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, options.intervalMs ?? 250));
  }
  return { ready: false, reason: `not ready after ${options.timeoutMs} ms; last probe: ${lastReason}` };
}
