/**
 * One JVM service as a child process: `java <jvmOptions> -cp <classpath> <mainClass> <args>` (or `-jar <jar>` for an
 * app that is packaged with its own launcher, e.g. a Quarkus app's quarkus-run.jar), its stdout and stderr
 * appended to a file, ready once its probe says so, stopped with SIGTERM and then SIGKILL. Service specifics (config
 * files, storage formatting) go in `prepare`, which runs before every spawn.
 */
import { type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { delimiter } from 'node:path';
import { DevToolError, readLogTail, spawnReaped } from '../support/index.js';
import { probeContextAtSpawn, waitForReady, type ProbeContext, type ReadinessProbe } from './readiness.js';

/** What the JVM runs: a main class on a classpath, or an executable jar (which brings its own classpath). */
export type JvmLaunch =
  | { classpath: readonly string[]; mainClass: string; jar?: never }
  | { jar: string; classpath?: never; mainClass?: never };

export interface JvmCommandLine {
  jvmOptions?: readonly string[];
  args?: readonly string[];
}

/** The arguments after `java`: options first, as the JVM reads none after the class or jar. */
export function javaArguments(launch: JvmLaunch & JvmCommandLine): string[] {
  const target =
    launch.jar !== undefined ? ['-jar', launch.jar] : ['-cp', launch.classpath.join(delimiter), launch.mainClass];
  return [...(launch.jvmOptions ?? []), ...target, ...(launch.args ?? [])];
}

export type JvmServiceOptions = JvmLaunch & JvmCommandLine & JvmServiceSettings;

export interface JvmServiceSettings {
  /** For messages, e.g. 'Kafka 4.1.2 broker on 127.0.0.1:40123'. */
  name: string;
  /** The java binary (see findJava). */
  java: string;
  cwd: string;
  /** The JVM's stdout and stderr, appended across restarts. */
  outputFile: string;
  /** The service's own log, if it writes one: shown with outputFile when a start fails. */
  logFile?: string;
  readiness: ReadinessProbe;
  /** A reason when the service is doomed although the JVM still runs (a fatal line while shutdown hooks run). */
  fatal?: (context: ProbeContext) => string | undefined;
  /** Runs before every spawn: write config, format storage. */
  prepare?: () => Promise<void>;
  /** Default 90 s: a cold JVM on a busy 2-core machine. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number;
  /** Merged into the details of errors, e.g. { port, dataDir }. */
  details?: Record<string, unknown>;
  onProgress?: (message: string) => void;
}

export class JvmService {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starting: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly options: JvmServiceOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns and waits until ready. No-op when running; a failed start leaves nothing running. */
  start(): Promise<void> {
    if (this.disposed) {
      return Promise.reject(new DevToolError('SERVICE_DISPOSED', `${this.options.name} was disposed; start a new one`));
    }
    if (this.child !== undefined && this.starting === undefined) return Promise.resolve();
    // Two overlapping start() calls must not spawn two JVMs on the same ports and data dir.
    this.starting ??= this.startOnce().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const { options } = this;
    const started = Date.now();
    await options.prepare?.();
    const context = probeContextAtSpawn([
      options.outputFile,
      ...(options.logFile === undefined ? [] : [options.logFile]),
    ]);
    const args = javaArguments(options);
    // Output goes straight to a file: nothing to drain, and the console stays quiet.
    const outFd = openSync(options.outputFile, 'a');
    let child: ChildProcess;
    try {
      child = spawnReaped(options.java, args, { cwd: options.cwd, stdio: ['ignore', outFd, outFd] });
    } finally {
      closeSync(outFd);
    }
    this.child = child;
    let exitInfo: string | undefined;
    this.exited = new Promise((resolveExit) => {
      const onGone = (description: string): void => {
        exitInfo = description;
        if (this.child === child) this.child = undefined;
        resolveExit();
      };
      child.once('exit', (code, signal) => onGone(signal !== null ? `killed by ${signal}` : `exit code ${code}`));
      child.once('error', (error) => onGone(`could not start: ${error.message}`));
    });

    this.progress(`Starting ${options.name}`);
    const outcome = await waitForReady({
      probe: options.readiness,
      context,
      timeoutMs: options.startTimeoutMs ?? 90_000,
      failed: () => (exitInfo !== undefined ? `the JVM stopped (${exitInfo})` : options.fatal?.(context)),
    });
    if (!outcome.ready) {
      await this.kill();
      throw new DevToolError(
        'SERVICE_NOT_READY',
        `${options.name} did not become ready: ${outcome.reason}\n${this.logTails()}`,
        {
          details: { ...options.details, outputFile: options.outputFile, logFile: options.logFile },
        },
      );
    }
    this.progress(`${options.name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Graceful: SIGTERM, wait, SIGKILL after stopTimeoutMs. No-op when not running. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const timeoutMs = this.options.stopTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolveTimer) => {
        timer = setTimeout(() => resolveTimer(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.progress(`${this.options.name} ignored SIGTERM for ${timeoutMs} ms; killing it`);
      await this.kill();
    }
  }

  /** Crash: SIGKILL, as a power cut would look to clients (the OS keeps the page cache, so written data stays). */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** stop(), and refuse later starts. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  /** The ends of the service's log and output, for an error a person can act on. */
  logTails(): string {
    const { logFile, outputFile } = this.options;
    return [logFile, outputFile]
      .filter((file) => file !== undefined)
      .map((file) => `--- ${file} (tail) ---\n${readLogTail(file)}`)
      .join('\n');
  }

  private progress(message: string): void {
    this.options.onProgress?.(message);
  }
}
