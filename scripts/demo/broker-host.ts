/**
 * The demo's broker, in a process of its own.
 *
 * Ctrl-C in a terminal signals the whole foreground process group. A broker JVM in that group would start shutting
 * down at once, while the connector still flushes to it, so the broker runs under a child in a session of its own
 * and stops only when told to, after the connector. If the demo dies without telling it (SIGKILL), the IPC channel
 * closes and the child stops the broker anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startLocalBroker, type LocalBroker } from '../kafka/index.js';
import { DevToolError } from '../support/index.js';

/** The entry script runs hostBroker() instead of the demo when it sees this flag. */
export const BROKER_HOST_FLAG = '--broker-host';
const BROKER_STOP_TIMEOUT_MS = 30_000;

type BrokerHostMessage = { type: 'progress'; message: string } | { type: 'ready'; brokers: string[] };

export interface BrokerHost {
  /** Bootstrap addresses once the broker answers. */
  ready: Promise<string[]>;
  /** Graceful once ready; during start-up the child's whole process group (Maven, JVM) is terminated. */
  stop(): Promise<void>;
}

/** Runs `script` (the demo's entry, which dispatches on BROKER_HOST_FLAG) as the broker's host process. */
export function startBrokerHost(script: string, onProgress: (message: string) => void): BrokerHost {
  const child = spawn(process.execPath, [...process.execArgv, script, BROKER_HOST_FLAG], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let isReady = false;
  const ready = new Promise<string[]>((resolve, reject) => {
    child.on('message', (message: BrokerHostMessage) => {
      if (message.type === 'progress') onProgress(message.message);
      else {
        isReady = true;
        resolve(message.brokers);
      }
    });
    child.once('exit', (code) =>
      reject(
        new DevToolError(
          'SERVICE_NOT_READY',
          `the Kafka broker process exited with code ${code ?? 'null'} before the broker was ready`,
          { details: { exitCode: code } },
        ),
      ),
    );
  });
  // Not swallowed: the caller awaits `ready` and reports the failure. This only keeps an exit that comes before the
  // caller awaits it (or after it gave up waiting, at Ctrl-C) from counting as an unhandled rejection.
  ready.catch(() => undefined);
  return {
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (isReady && child.connected) child.send('stop');
      else signalGroup(child, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleepMs(BROKER_STOP_TIMEOUT_MS).then(() => false)]);
      if (!stopped) {
        signalGroup(child, 'SIGKILL');
        await exited;
      }
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Detached: the child leads its own process group, so this reaches Maven and the JVM too.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The child side: runs one broker and reports over IPC. */
export async function hostBroker(): Promise<number> {
  const send = (message: BrokerHostMessage): void => {
    process.send?.(message);
  };
  let stopRequested = false;
  // SIGTERM comes to the whole group during start-up, so Maven or the JVM fail and startLocalBroker rejects;
  // staying alive until then lets this process reap them instead of leaving them to init.
  process.on('SIGTERM', () => {
    stopRequested = true;
  });
  process.once('disconnect', () => {
    stopRequested = true;
  });
  let broker: LocalBroker;
  try {
    broker = await startLocalBroker({ onProgress: (message) => send({ type: 'progress', message }) });
  } catch (error) {
    if (stopRequested) return 0;
    throw error;
  }
  if (!stopRequested) {
    send({ type: 'ready', brokers: broker.brokers });
    await new Promise<void>((resolve) => {
      process.once('message', () => resolve());
      process.once('disconnect', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  await broker.dispose();
  return 0;
}
