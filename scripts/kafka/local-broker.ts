/**
 * A real single-node Apache Kafka broker (KRaft) run from Maven jars, for tests and the demo.
 *
 * These machines have Java and Maven but no Docker engine, so the broker comes from Maven Central through
 * scripts/kafka/pom.xml and runs as a plain `java` child process of the Node process that asked for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { ConnectorError, ErrorCodes, toError } from '../../src/errors.js';

/** 4.1 is the newest line that kafkajs 2.2.4 was checked against here (test/integration/kafka-broker.test.ts). */
export const DEFAULT_KAFKA_VERSION = '4.1.2';

export interface KafkaJarsOptions {
  /** Default: env KAFKA_VERSION, else DEFAULT_KAFKA_VERSION. */
  kafkaVersion?: string;
  onProgress?: (message: string) => void;
}

export interface LocalBrokerOptions extends KafkaJarsOptions {
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** 0 or undefined: pick a free port. */
  controllerPort?: number;
  /** Interface to listen on and advertise. Loopback by default so that nothing is exposed off the machine. */
  host?: string;
  /** Default: a fresh temp dir, removed by dispose() and at process exit. A given dir is never removed. */
  dataDir?: string;
  /**
   * Broker properties merged over the defaults, e.g. extra TLS/SASL listeners. Keep a PLAINTEXT listener on `port`:
   * readiness is probed through it.
   */
  extraProperties?: Record<string, string>;
  /**
   * More listeners beside PLAINTEXT, e.g. SSL or SASL_SSL ones for security tests. Each gets a port (free unless
   * given), is advertised on `host`, and is mapped to its security protocol; its own settings (keystores, JAAS) go
   * in `extraProperties` as usual (`listener.name.<name in lowercase>.*`). Addresses: `listenerBrokers(name)`.
   */
  listeners?: ExtraListener[];
  /**
   * Extra arguments for `kafka-storage format`, e.g. `['--add-scram', 'SCRAM-SHA-512=[name=alice,password=secret]']`:
   * in KRaft, SCRAM users are created at format time. Used only when the data dir is formatted (the first start).
   */
  formatArguments?: string[];
  /** Default ['-Xms128m', '-Xmx512m']: the machine has 2 cores and tests run beside the broker. */
  jvmOptions?: string[];
  /** How long one start may take once the jars are there. Default 90 s (a cold JVM on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number;
}

export type ListenerSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface ExtraListener {
  /** Listener name: capital letters, digits and '_', not PLAINTEXT or CONTROLLER (those are the broker's own). */
  name: string;
  securityProtocol: ListenerSecurityProtocol;
  /** 0 or undefined: pick a free port. */
  port?: number;
}

export interface LocalBroker {
  /** Bootstrap addresses for clients, e.g. ['127.0.0.1:40123']. Stable across stop()/start(). */
  readonly brokers: string[];
  /** Bootstrap addresses of an extra listener (see `LocalBrokerOptions.listeners`). */
  listenerBrokers(name: string): string[];
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  /** The broker's own log (WARN and above unless env KAFKA_LOG_LEVEL says otherwise). */
  readonly logFile: string;
  readonly running: boolean;
  /** Graceful: SIGTERM, wait, SIGKILL after stopTimeoutMs. No-op when not running. */
  stop(): Promise<void>;
  /** Crash: SIGKILL, as a power cut would look to clients (the OS keeps the page cache, so written data stays). */
  kill(): Promise<void>;
  /** Restart on the same ports and data dir after stop()/kill(). No-op when running. */
  start(): Promise<void>;
  /** stop(), then remove the data dir if this module created it. */
  dispose(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Walk up rather than use a fixed '../..' so that this also works from a compiled copy under dist/. */
const projectRoot = findProjectRoot(here);
const pomFile = join(projectRoot, 'scripts', 'kafka', 'pom.xml');
const kafkaCacheDir = join(projectRoot, '.kafka');

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'kafka', 'pom.xml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, '..', '..');
    dir = parent;
  }
}

function launcherError(message: string, cause?: unknown, details?: Record<string, unknown>): ConnectorError {
  return new ConnectorError(ErrorCodes.KAFKA_LAUNCHER_FAILED, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(details === undefined ? {} : { details }),
  });
}

function resolveVersion(kafkaVersion: string | undefined): string {
  const version = kafkaVersion ?? process.env['KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  // The version becomes part of a path and a Maven property: refuse anything that is not a plain version.
  if (!/^\d+\.\d+\.\d+(?:[.-][A-Za-z0-9.]+)?$/.test(version)) {
    throw launcherError(`Not a Kafka version: ${JSON.stringify(version)}`);
  }
  return version;
}

function majorOf(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '0', 10);
}

const jarResolutions = new Map<string, Promise<string>>();

/**
 * Makes sure the broker's jars for one Kafka version are in `.kafka/libs-<version>/` and returns that dir.
 * The first call runs Maven (~35 s measured with an empty ~/.m2, a few seconds with a warm one); later calls,
 * in any process, are a stat.
 */
export function ensureKafkaJars(options: KafkaJarsOptions = {}): Promise<string> {
  const version = resolveVersion(options.kafkaVersion);
  let pending = jarResolutions.get(version);
  if (pending === undefined) {
    pending = resolveJars(version, options.onProgress ?? (() => {}));
    jarResolutions.set(version, pending);
    // A failed resolve must not be cached: the next caller may have the network back.
    pending.catch(() => jarResolutions.delete(version));
  }
  return pending;
}

async function resolveJars(version: string, onProgress: (message: string) => void): Promise<string> {
  const libsDir = join(kafkaCacheDir, `libs-${version}`);
  const marker = join(libsDir, `kafka_2.13-${version}.jar`);
  if (existsSync(marker)) return libsDir;
  if (existsSync(libsDir)) await rm(libsDir, { recursive: true, force: true });

  await mkdir(kafkaCacheDir, { recursive: true });
  // Maven writes into a private dir that is renamed into place at the end, so that a concurrent test process
  // (or an interrupted run) never sees half a classpath; whoever renames first wins.
  const stagingDir = join(kafkaCacheDir, `libs-${version}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const args = [
    '-q',
    '-B',
    '-f',
    pomFile,
    'dependency:copy-dependencies',
    `-Dkafka.version=${version}`,
    `-Dkafka.libs.dir=${stagingDir}`,
    '-Dstyle.color=never',
    ...(majorOf(version) < 4 ? ['-Pkafka3'] : []),
  ];
  const started = Date.now();
  onProgress(`Resolving Apache Kafka ${version} jars with Maven into ${libsDir} (once; ~35 s with an empty ~/.m2)`);
  const ticker = setInterval(() => {
    onProgress(`  still resolving Kafka ${version} jars (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 10_000);
  try {
    const { code, output } = await runCollecting('mvn', args, projectRoot);
    if (code !== 0) {
      throw launcherError(
        `Maven could not resolve org.apache.kafka:kafka_2.13:${version} (exit ${code}):\n${tail(output, 4000)}`,
        undefined,
        { version },
      );
    }
    if (!existsSync(join(stagingDir, `kafka_2.13-${version}.jar`))) {
      throw launcherError(`Maven finished but ${stagingDir} has no kafka_2.13-${version}.jar`, undefined, { version });
    }
    try {
      await rename(stagingDir, libsDir);
    } catch (error) {
      if (!existsSync(marker)) throw error;
    }
    const jarCount = (await readdir(libsDir)).length;
    onProgress(`Resolved ${jarCount} jars for Kafka ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return libsDir;
  } finally {
    clearInterval(ticker);
    await rm(stagingDir, { recursive: true, force: true });
  }
}

function runCollecting(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = tail(output + chunk.toString('utf8'), 64_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      reject(
        launcherError(
          `Could not run ${command}: ${error.message}. The local Kafka broker needs Maven 3.8+ and Java 17+ on PATH.`,
          error,
        ),
      );
    });
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

function tail(text: string, max: number): string {
  // Maven's jansi prints colour codes even with -B; they only garble error messages.
  const clean = text.replace(/\u001b\[[0-9;]*m/g, '');
  return clean.length <= max ? clean : clean.slice(clean.length - max);
}

/** The end of a log without Java stack frames, which would otherwise crowd the actual error out of the tail. */
function readTail(file: string, max = 4000): string {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
    return tail(lines.join('\n'), max);
  } catch {
    return '';
  }
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePromise(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (what `kafka-storage random-uuid` prints). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // A leading '-' would be read as an option by StorageTool's argument parser.
    if (!id.startsWith('-')) return id;
  }
}

function propertiesText(properties: Record<string, string>): string {
  // Backslashes and line breaks are escapes in .properties files; paths on this OS have neither, but be exact.
  const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${escape(value)}`)
    .join('\n')}\n`;
}

// ---- Making sure no broker outlives the Node process --------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const ownedDataDirs = new Set<string>();
let exitHooksInstalled = false;

function killAllNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveChildren.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    killAllNow();
    for (const dir of ownedDataDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // The JVM may still be dying and writing; a leftover temp dir is harmless.
      }
    }
  });
  // Node's default action for these signals ends the process without emitting 'exit'.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Another listener means the host shuts down in its own way (maybe a graceful stop()); the 'exit' hook
      // still catches whatever is left. Otherwise keep Node's default (terminate) by re-raising the signal.
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * On Linux, `setpriv --pdeathsig KILL` makes the kernel kill the JVM even when Node itself is SIGKILLed or crashes,
 * where no JavaScript exit hook runs.
 */
const setprivPath = ((): string | undefined => {
  if (process.platform !== 'linux') return undefined;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
})();

function javaCommand(): string {
  const javaHome = process.env['JAVA_HOME'];
  return javaHome !== undefined && javaHome !== '' ? join(javaHome, 'bin', 'java') : 'java';
}

// ---- The broker -----------------------------------------------------------------------------------------------------

interface BrokerLayout {
  version: string;
  libsDir: string;
  dataDir: string;
  host: string;
  port: number;
  controllerPort: number;
  extraListeners: Array<Required<ExtraListener>>;
  logDir: string;
  serverProperties: string;
  loggingConfig: string;
  logFile: string;
  stdoutFile: string;
}

class LocalKafkaBroker implements LocalBroker {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starting: Promise<void> | undefined;
  private disposed = false;

  constructor(
    private readonly layout: BrokerLayout,
    private readonly options: LocalBrokerOptions,
    private readonly ownsDataDir: boolean,
  ) {}

  get brokers(): string[] {
    return [`${this.layout.host}:${this.layout.port}`];
  }
  listenerBrokers(name: string): string[] {
    const listener = this.layout.extraListeners.find((candidate) => candidate.name === name);
    if (listener === undefined)
      throw launcherError(`This local Kafka broker has no listener named ${JSON.stringify(name)}`);
    return [`${this.layout.host}:${listener.port}`];
  }
  get port(): number {
    return this.layout.port;
  }
  get controllerPort(): number {
    return this.layout.controllerPort;
  }
  get dataDir(): string {
    return this.layout.dataDir;
  }
  get logFile(): string {
    return this.layout.logFile;
  }
  get running(): boolean {
    return this.child !== undefined;
  }

  private progress(message: string): void {
    this.options.onProgress?.(message);
  }

  start(): Promise<void> {
    if (this.disposed) return Promise.reject(launcherError('This local Kafka broker was disposed; start a new one'));
    if (this.child !== undefined && this.starting === undefined) return Promise.resolve();
    // Two overlapping start() calls must not spawn two JVMs on the same ports and data dir.
    this.starting ??= this.startOnce().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const started = Date.now();
    await this.writeConfig();
    if (!existsSync(join(this.layout.logDir, 'meta.properties'))) await this.formatStorage();

    installExitHooks();
    const { layout } = this;
    const javaArgs = [
      ...(this.options.jvmOptions ?? ['-Xms128m', '-Xmx512m']),
      // The GC settings kafka-server-start.sh uses, so that latencies resemble a real broker's.
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      ...this.loggingSystemProperties(),
      '-cp',
      join(layout.libsDir, '*'),
      'kafka.Kafka',
      layout.serverProperties,
    ];
    const [command, args] =
      setprivPath === undefined
        ? [javaCommand(), javaArgs]
        : [setprivPath, ['--pdeathsig', 'KILL', javaCommand(), ...javaArgs]];
    // Output goes straight to a file: nothing to drain, and the console stays quiet.
    const outFd = openSync(layout.stdoutFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: layout.dataDir, detached: false, stdio: ['ignore', outFd, outFd] });
    } finally {
      closeSync(outFd);
    }
    this.child = child;
    liveChildren.add(child);
    let exitInfo: string | undefined;
    this.exited = new Promise((resolveExit) => {
      const onGone = (description: string): void => {
        exitInfo = description;
        liveChildren.delete(child);
        if (this.child === child) this.child = undefined;
        resolveExit();
      };
      child.once('exit', (code, signal) => onGone(signal !== null ? `killed by ${signal}` : `exit code ${code}`));
      child.once('error', (error) => onGone(`could not start: ${error.message}`));
    });

    this.progress(`Starting Kafka ${layout.version} broker on ${this.brokers[0]} (data in ${layout.dataDir})`);
    const timeoutMs = this.options.startTimeoutMs ?? 90_000;
    try {
      await waitUntilReady(this.brokers, timeoutMs, () => {
        if (exitInfo !== undefined) return `the JVM stopped (${exitInfo})`;
        // After a fatal startup error the JVM still spends seconds in shutdown hooks before it exits.
        return fatalStartupError(layout.logFile);
      });
    } catch (error) {
      await this.kill();
      const why = toError(error).message;
      throw launcherError(
        `Kafka broker on ${this.brokers[0]} did not become ready: ${why}\n` +
          `--- ${layout.logFile} (tail) ---\n${readTail(layout.logFile)}\n` +
          `--- ${layout.stdoutFile} (tail) ---\n${readTail(layout.stdoutFile)}`,
        error,
        { port: layout.port, dataDir: layout.dataDir },
      );
    }
    this.progress(`Kafka broker ready on ${this.brokers[0]} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

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
      this.progress(`Kafka broker on ${this.brokers[0]} ignored SIGTERM for ${timeoutMs} ms; killing it`);
      await this.kill();
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    if (this.ownsDataDir) {
      await rm(this.layout.dataDir, { recursive: true, force: true });
      ownedDataDirs.delete(this.layout.dataDir);
    }
  }

  private loggingSystemProperties(): string[] {
    const { layout } = this;
    const logsDir = `-Dkafka.logs.dir=${join(layout.dataDir, 'logs')}`;
    return majorOf(layout.version) >= 4
      ? [logsDir, `-Dlog4j2.configurationFile=${layout.loggingConfig}`]
      : [logsDir, `-Dlog4j.configuration=file:${layout.loggingConfig}`];
  }

  private async writeConfig(): Promise<void> {
    const { layout } = this;
    const { host, port, controllerPort, extraListeners: extra } = layout;
    await mkdir(join(layout.dataDir, 'config'), { recursive: true });
    const properties: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@${host}:${controllerPort}`,
      listeners: [
        `PLAINTEXT://${host}:${port}`,
        `CONTROLLER://${host}:${controllerPort}`,
        ...extra.map(({ name, port: extraPort }) => `${name}://${host}:${extraPort}`),
      ].join(','),
      'advertised.listeners': [
        `PLAINTEXT://${host}:${port}`,
        ...extra.map(({ name, port: extraPort }) => `${name}://${host}:${extraPort}`),
      ].join(','),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': [
        'CONTROLLER:PLAINTEXT',
        'PLAINTEXT:PLAINTEXT',
        ...extra.map(({ name, securityProtocol }) => `${name}:${securityProtocol}`),
      ].join(','),
      'log.dirs': layout.logDir,
      'num.partitions': '1',
      // One node: every internal topic must accept a single replica, or group and transaction coordinators never load.
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      // Fewer partitions than the default 50 makes the first group join and first transaction quicker on 2 cores.
      'offsets.topic.num.partitions': '10',
      'transaction.state.log.num.partitions': '10',
      // Tests start consumers one after another; the default 3 s delay would only slow every group join.
      'group.initial.rebalance.delay.ms': '0',
      // After a SIGKILL the restarted controller refuses the broker's new registration (DUPLICATE_BROKER_REGISTRATION)
      // until the old session expires: 9 s by default, which made a crash-restart take ~17 s instead of ~8 s.
      'broker.heartbeat.interval.ms': '1000',
      'broker.session.timeout.ms': '4000',
      ...(majorOf(layout.version) >= 4
        ? {
            'share.coordinator.state.topic.replication.factor': '1',
            'share.coordinator.state.topic.min.isr': '1',
          }
        : {}),
      ...this.options.extraProperties,
    };
    await writeFile(layout.serverProperties, propertiesText(properties));
    await writeFile(layout.loggingConfig, loggingConfigText(layout));
  }

  private async formatStorage(): Promise<void> {
    const { layout } = this;
    this.progress(`Formatting KRaft storage in ${layout.logDir}`);
    const args = [
      '-Xmx256m',
      ...this.loggingSystemProperties(),
      '-cp',
      join(layout.libsDir, '*'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      layout.serverProperties,
      // An already formatted dir is fine: it is the restart case.
      '-g',
      ...(this.options.formatArguments ?? []),
    ];
    const { code, output } = await runCollecting(javaCommand(), args, layout.dataDir);
    if (code !== 0) {
      throw launcherError(`Formatting KRaft storage in ${layout.logDir} failed (exit ${code}):\n${tail(output, 4000)}`);
    }
  }
}

function loggingConfigText(layout: BrokerLayout): string {
  const level = process.env['KAFKA_LOG_LEVEL'] ?? 'WARN';
  if (majorOf(layout.version) >= 4) {
    return propertiesText({
      status: 'error',
      'appender.file.type': 'File',
      'appender.file.name': 'FILE',
      'appender.file.fileName': layout.logFile,
      'appender.file.layout.type': 'PatternLayout',
      'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
      'rootLogger.level': level,
      'rootLogger.appenderRef.file.ref': 'FILE',
    });
  }
  return propertiesText({
    'log4j.rootLogger': `${level}, file`,
    'log4j.appender.file': 'org.apache.log4j.FileAppender',
    'log4j.appender.file.File': layout.logFile,
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
  });
}

function fatalStartupError(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  return /Fatal error during (broker|controller) startup|Exiting Kafka due to fatal exception/.test(text)
    ? 'Kafka reported a fatal startup error'
    : undefined;
}

/** Ready means a real metadata round trip answers with this broker in it, not that the port is open. */
async function waitUntilReady(brokers: string[], timeoutMs: number, failure: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const failed = failure();
    if (failed !== undefined) throw new Error(failed);
    const admin = new Kafka({
      clientId: 'local-broker-readiness',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return;
      lastError = new Error('metadata answered without a broker or controller');
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 250));
  }
  throw new Error(`not ready after ${timeoutMs} ms; last probe error: ${toError(lastError).message}`);
}

function looksLikePortClash(error: unknown, logFile: string, stdoutFile: string): boolean {
  const text = `${toError(error).message}\n${readTail(logFile)}\n${readTail(stdoutFile)}`;
  return /Address already in use|BindException/i.test(text);
}

/**
 * Starts a single-node KRaft broker and resolves once it answers metadata requests.
 * The JVM is a child of this process and is killed when this process exits, however it exits.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const version = resolveVersion(options.kafkaVersion);
  const libsDir = await ensureKafkaJars({ ...options, kafkaVersion: version });
  const host = options.host ?? '127.0.0.1';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-local-')));
  if (ownsDataDir) {
    ownedDataDirs.add(dataDir);
    installExitHooks();
  }
  await mkdir(dataDir, { recursive: true });

  // A port picked by probing can be taken by someone else before the JVM binds it; pick again in that case.
  // A port the caller chose stays: a clash there is the caller's to see at once.
  checkListenerNames(options.listeners ?? []);
  const attempts = !options.port && !options.controllerPort ? 3 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port || (await freePort(host));
    let controllerPort = options.controllerPort || (await freePort(host));
    while (controllerPort === port) controllerPort = await freePort(host);
    const extraListeners = await assignListenerPorts(options.listeners ?? [], host, [port, controllerPort]);
    const layout: BrokerLayout = {
      version,
      libsDir,
      dataDir,
      host,
      port,
      controllerPort,
      extraListeners,
      logDir: join(dataDir, 'kraft'),
      serverProperties: join(dataDir, 'config', 'server.properties'),
      loggingConfig: join(dataDir, 'config', majorOf(version) >= 4 ? 'log4j2.properties' : 'log4j.properties'),
      logFile: join(dataDir, 'broker.log'),
      stdoutFile: join(dataDir, 'broker.stdout.log'),
    };
    const broker = new LocalKafkaBroker(layout, options, ownsDataDir);
    try {
      await broker.start();
      return broker;
    } catch (error) {
      const retry = attempt < attempts && looksLikePortClash(error, layout.logFile, layout.stdoutFile);
      if (!retry) {
        if (ownsDataDir) await broker.dispose().catch(() => {});
        throw error;
      }
      // Formatted storage does not record listener ports (static quorum), so the data dir is reused as it is.
      options.onProgress?.(`Port clash on ${host}:${port}/${controllerPort}; trying other ports`);
    }
  }
}

function checkListenerNames(listeners: readonly ExtraListener[]): void {
  const seen = new Set<string>(['PLAINTEXT', 'CONTROLLER']);
  for (const { name } of listeners) {
    // The name goes into listener URLs and property keys: refuse anything Kafka would misread.
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || seen.has(name)) {
      throw launcherError(
        `Not a usable extra listener name: ${JSON.stringify(name)} (capital letters, digits, '_'; unique; not PLAINTEXT or CONTROLLER)`,
      );
    }
    seen.add(name);
  }
}

/** Ports for the extra listeners: the given ones, else free ones distinct from the ports already taken. */
async function assignListenerPorts(
  listeners: readonly ExtraListener[],
  host: string,
  taken: number[],
): Promise<Array<Required<ExtraListener>>> {
  const used = new Set(taken);
  const assigned: Array<Required<ExtraListener>> = [];
  for (const listener of listeners) {
    let port = listener.port || (await freePort(host));
    while (!listener.port && used.has(port)) port = await freePort(host);
    used.add(port);
    assigned.push({ name: listener.name, securityProtocol: listener.securityProtocol, port });
  }
  return assigned;
}
