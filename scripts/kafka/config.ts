/** A single-node KRaft broker's files and log patterns, as pure functions of its layout (unit-tested without Java). */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DevToolError } from '../support/index.js';
import { kafkaMajor } from './jars.js';

export type ListenerSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface ExtraListener {
  /** Listener name: capital letters, digits and '_', not PLAINTEXT or CONTROLLER (those are the broker's own). */
  name: string;
  securityProtocol: ListenerSecurityProtocol;
  /** 0 or undefined: pick a free port. */
  port?: number;
}

export interface BrokerLayout {
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

export function brokerLayout(
  fields: Pick<BrokerLayout, 'version' | 'libsDir' | 'dataDir' | 'host' | 'port' | 'controllerPort' | 'extraListeners'>,
): BrokerLayout {
  const { dataDir } = fields;
  return {
    ...fields,
    logDir: join(dataDir, 'kraft'),
    serverProperties: join(dataDir, 'config', 'server.properties'),
    loggingConfig: join(dataDir, 'config', kafkaMajor(fields.version) >= 4 ? 'log4j2.properties' : 'log4j.properties'),
    logFile: join(dataDir, 'broker.log'),
    stdoutFile: join(dataDir, 'broker.stdout.log'),
  };
}

/**
 * The line the broker logs once it serves clients: KafkaRaftServer logs it after the broker caught up with the
 * metadata log, opened its listeners and was unfenced by the controller (KafkaBroker.STARTED_MESSAGE).
 */
export const STARTED_LINE = /Kafka Server started/;
const STARTED_LOGGER = 'kafka.server.KafkaRaftServer';
const FATAL_LINE = /Fatal error during (broker|controller) startup|Exiting Kafka due to fatal exception/;

/** After a fatal startup error the JVM still spends seconds in shutdown hooks before it exits. */
export function fatalStartupError(logText: string): string | undefined {
  return FATAL_LINE.test(logText) ? 'Kafka reported a fatal startup error' : undefined;
}

export function looksLikePortClash(text: string): boolean {
  return /Address already in use|BindException/i.test(text);
}

export function propertiesText(properties: Record<string, string>): string {
  // Backslashes and line breaks are escapes in .properties files; paths on this OS have neither, but be exact.
  const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${escape(value)}`)
    .join('\n')}\n`;
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (what `kafka-storage random-uuid` prints). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // A leading '-' would be read as an option by StorageTool's argument parser.
    if (!id.startsWith('-')) return id;
  }
}

export function checkListenerNames(listeners: readonly ExtraListener[]): void {
  const seen = new Set<string>(['PLAINTEXT', 'CONTROLLER']);
  for (const { name } of listeners) {
    // The name goes into listener URLs and property keys: refuse anything Kafka would misread.
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || seen.has(name)) {
      throw new DevToolError(
        'INVALID_OPTION',
        `Not a usable extra listener name: ${JSON.stringify(name)} (capital letters, digits, '_'; unique; not PLAINTEXT or CONTROLLER)`,
      );
    }
    seen.add(name);
  }
}

export function serverProperties(layout: BrokerLayout, extraProperties: Record<string, string> = {}): string {
  const { host, port, controllerPort, extraListeners: extra } = layout;
  const extraUrls = extra.map(({ name, port: extraPort }) => `${name}://${host}:${extraPort}`);
  return propertiesText({
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: [`PLAINTEXT://${host}:${port}`, `CONTROLLER://${host}:${controllerPort}`, ...extraUrls].join(','),
    'advertised.listeners': [`PLAINTEXT://${host}:${port}`, ...extraUrls].join(','),
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
    ...(kafkaMajor(layout.version) >= 4
      ? { 'share.coordinator.state.topic.replication.factor': '1', 'share.coordinator.state.topic.min.isr': '1' }
      : {}),
    ...extraProperties,
  });
}

/** WARN and above (or `level`) to the broker log, plus the one INFO line that readiness waits for. */
export function loggingConfigText(layout: Pick<BrokerLayout, 'version' | 'logFile'>, level = 'WARN'): string {
  if (kafkaMajor(layout.version) >= 4) {
    return propertiesText({
      status: 'error',
      'appender.file.type': 'File',
      'appender.file.name': 'FILE',
      'appender.file.fileName': layout.logFile,
      'appender.file.layout.type': 'PatternLayout',
      'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
      'rootLogger.level': level,
      'rootLogger.appenderRef.file.ref': 'FILE',
      'logger.started.name': STARTED_LOGGER,
      'logger.started.level': 'INFO',
    });
  }
  return propertiesText({
    'log4j.rootLogger': `${level}, file`,
    'log4j.appender.file': 'org.apache.log4j.FileAppender',
    'log4j.appender.file.File': layout.logFile,
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    [`log4j.logger.${STARTED_LOGGER}`]: 'INFO',
  });
}

/** How the broker and its tools find the logging config (log4j2 from Kafka 4 on, log4j 1 before). */
export function loggingSystemProperties(layout: Pick<BrokerLayout, 'version' | 'dataDir' | 'loggingConfig'>): string[] {
  const logsDir = `-Dkafka.logs.dir=${join(layout.dataDir, 'logs')}`;
  return kafkaMajor(layout.version) >= 4
    ? [logsDir, `-Dlog4j2.configurationFile=${layout.loggingConfig}`]
    : [logsDir, `-Dlog4j.configuration=file:${layout.loggingConfig}`];
}
