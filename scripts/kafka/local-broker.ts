/**
 * A real single-node Apache Kafka broker (KRaft) run from Maven jars, for tests, the demo and benchmarks.
 *
 * These machines have Java and Maven but no Docker engine, so the broker comes from Maven Central (./jars.ts) and
 * runs as a plain `java` child process of the Node process that asked for it (../jvm/service.ts).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { allOf, classpathOf, findJava, JvmService, logLineProbe, tcpPortProbe } from '../jvm/index.js';
import {
  DevToolError,
  freePort,
  readLogTail,
  releaseDir,
  removeDirAtExit,
  runCollecting,
  tailText,
} from '../support/index.js';
import {
  brokerLayout,
  checkListenerNames,
  fatalStartupError,
  loggingConfigText,
  loggingSystemProperties,
  looksLikePortClash,
  newClusterId,
  serverProperties,
  STARTED_LINE,
  type BrokerLayout,
  type ExtraListener,
} from './config.js';
import { ensureKafkaJars, resolveKafkaVersion, type KafkaJarsOptions } from './jars.js';

/** Kafka 4 brokers need Java 17 (3.x brokers 11, but nothing here runs those on older JVMs). */
const KAFKA_MIN_JAVA = 17;

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

class LocalKafkaBroker implements LocalBroker {
  private readonly service: JvmService;

  constructor(
    private readonly layout: BrokerLayout,
    private readonly options: LocalBrokerOptions,
    java: string,
    private readonly ownsDataDir: boolean,
  ) {
    this.service = new JvmService({
      name: `Kafka ${layout.version} broker on ${this.brokers[0]}`,
      java,
      classpath: classpathOf(layout.libsDir),
      mainClass: 'kafka.Kafka',
      jvmOptions: [
        ...(options.jvmOptions ?? ['-Xms128m', '-Xmx512m']),
        // The GC settings kafka-server-start.sh uses, so that latencies resemble a real broker's.
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        ...loggingSystemProperties(layout),
      ],
      args: [layout.serverProperties],
      cwd: layout.dataDir,
      outputFile: layout.stdoutFile,
      logFile: layout.logFile,
      // The log line proves the broker serves clients; the TCP connect that it is this broker on our port.
      readiness: allOf(
        logLineProbe(layout.logFile, STARTED_LINE, 'the broker logged "Kafka Server started"'),
        tcpPortProbe(layout.host, layout.port),
      ),
      fatal: (context) => fatalStartupError(context.readSinceSpawn(layout.logFile)),
      prepare: () => this.prepare(java),
      details: { port: layout.port, dataDir: layout.dataDir },
      ...pick(options, 'startTimeoutMs', 'stopTimeoutMs', 'onProgress'),
    });
  }

  get brokers(): string[] {
    return [`${this.layout.host}:${this.layout.port}`];
  }
  listenerBrokers(name: string): string[] {
    const listener = this.layout.extraListeners.find((candidate) => candidate.name === name);
    if (listener === undefined) {
      throw new DevToolError('UNKNOWN_NAME', `This local Kafka broker has no listener named ${JSON.stringify(name)}`);
    }
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
    return this.service.running;
  }

  start(): Promise<void> {
    return this.service.start();
  }
  stop(): Promise<void> {
    return this.service.stop();
  }
  kill(): Promise<void> {
    return this.service.kill();
  }
  async dispose(): Promise<void> {
    await this.service.dispose();
    if (this.ownsDataDir) {
      await rm(this.layout.dataDir, { recursive: true, force: true });
      releaseDir(this.layout.dataDir);
    }
  }

  /** Config on every start (the ports stay; the log level may have changed), storage only on the first. */
  private async prepare(java: string): Promise<void> {
    const { layout } = this;
    await mkdir(join(layout.dataDir, 'config'), { recursive: true });
    await writeFile(layout.serverProperties, serverProperties(layout, this.options.extraProperties));
    await writeFile(layout.loggingConfig, loggingConfigText(layout, process.env['KAFKA_LOG_LEVEL'] ?? 'WARN'));
    if (!existsSync(join(layout.logDir, 'meta.properties'))) await this.formatStorage(java);
  }

  private async formatStorage(java: string): Promise<void> {
    const { layout } = this;
    this.options.onProgress?.(`Formatting KRaft storage in ${layout.logDir}`);
    const args = [
      '-Xmx256m',
      ...loggingSystemProperties(layout),
      '-cp',
      classpathOf(layout.libsDir).join(delimiter),
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
    const { code, output } = await runCollecting(java, args, layout.dataDir);
    if (code !== 0) {
      throw new DevToolError(
        'SETUP_FAILED',
        `Formatting KRaft storage in ${layout.logDir} failed (exit ${code}):\n${tailText(output, 4000)}`,
        { details: { dataDir: layout.dataDir } },
      );
    }
  }
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/**
 * Starts a single-node KRaft broker and resolves once it serves clients.
 * The JVM is a child of this process and is killed when this process exits, however it exits.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const version = resolveKafkaVersion(options.kafkaVersion);
  checkListenerNames(options.listeners ?? []);
  const [libsDir, runtime] = await Promise.all([
    ensureKafkaJars({ ...options, kafkaVersion: version }),
    findJava({ minMajor: KAFKA_MIN_JAVA }),
  ]);
  const host = options.host ?? '127.0.0.1';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'kafka-local-')));
  if (ownsDataDir) removeDirAtExit(dataDir);
  await mkdir(dataDir, { recursive: true });

  // A port picked by probing can be taken by someone else before the JVM binds it; pick again in that case.
  // A port the caller chose stays: a clash there is the caller's to see at once.
  const attempts = !options.port && !options.controllerPort ? 3 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port || (await freePort({ host }));
    const controllerPort = options.controllerPort || (await freePort({ host, avoid: [port] }));
    const extraListeners = await assignListenerPorts(options.listeners ?? [], host, [port, controllerPort]);
    const layout = brokerLayout({ version, libsDir, dataDir, host, port, controllerPort, extraListeners });
    const broker = new LocalKafkaBroker(layout, options, runtime.java, ownsDataDir);
    try {
      await broker.start();
      return broker;
    } catch (error) {
      const clash = looksLikePortClash(
        `${String(error)}\n${readLogTail(layout.logFile)}\n${readLogTail(layout.stdoutFile)}`,
      );
      if (attempt >= attempts || !clash) {
        if (ownsDataDir) {
          // The start failure is the news; a failed cleanup after it is reported, not allowed to replace it.
          await broker.dispose().catch((disposeError: unknown) => {
            options.onProgress?.(`Could not clean up ${dataDir}: ${String(disposeError)}`);
          });
        }
        throw error;
      }
      // Formatted storage does not record listener ports (static quorum), so the data dir is reused as it is.
      options.onProgress?.(`Port clash on ${host}:${port}/${controllerPort}; trying other ports`);
    }
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
    const port = listener.port || (await freePort({ host, avoid: used }));
    used.add(port);
    assigned.push({ name: listener.name, securityProtocol: listener.securityProtocol, port });
  }
  return assigned;
}
