import { describe, expect, it } from 'vitest';
import {
  brokerLayout,
  checkListenerNames,
  fatalStartupError,
  loggingConfigText,
  loggingSystemProperties,
  looksLikePortClash,
  newClusterId,
  propertiesText,
  serverProperties,
  STARTED_LINE,
} from '../../../scripts/kafka/config.js';
import { isDevToolError } from '../../../scripts/support/index.js';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trimEnd()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
  );
}

const layout = brokerLayout({
  version: '4.1.2',
  libsDir: '/cache/kafka-4.1.2-abcd1234',
  dataDir: '/tmp/kafka-local-x',
  host: '127.0.0.1',
  port: 40_001,
  controllerPort: 40_002,
  extraListeners: [{ name: 'SASL_SSL', securityProtocol: 'SASL_SSL', port: 40_003 }],
});

describe('local Kafka broker config', () => {
  it('lays the files out in the data dir', () => {
    expect(layout).toMatchObject({
      logDir: '/tmp/kafka-local-x/kraft',
      serverProperties: '/tmp/kafka-local-x/config/server.properties',
      loggingConfig: '/tmp/kafka-local-x/config/log4j2.properties',
      logFile: '/tmp/kafka-local-x/broker.log',
      stdoutFile: '/tmp/kafka-local-x/broker.stdout.log',
    });
    expect(brokerLayout({ ...layout, version: '3.9.1' }).loggingConfig).toBe(
      '/tmp/kafka-local-x/config/log4j.properties',
    );
  });

  it('renders a single-node KRaft broker with PLAINTEXT, CONTROLLER and the extra listeners', () => {
    const properties = parse(serverProperties(layout));
    expect(properties).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:40002',
      listeners: 'PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002,SASL_SSL://127.0.0.1:40003',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:40001,SASL_SSL://127.0.0.1:40003',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': '/tmp/kafka-local-x/kraft',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'broker.session.timeout.ms': '4000',
      'share.coordinator.state.topic.replication.factor': '1',
    });
    expect(parse(serverProperties({ ...layout, version: '3.9.1' }))).not.toHaveProperty(
      'share.coordinator.state.topic.replication.factor',
    );
  });

  it('lets extra properties override the defaults', () => {
    const properties = parse(serverProperties(layout, { 'num.partitions': '3', 'ssl.keystore.type': 'PEM' }));
    expect(properties['num.partitions']).toBe('3');
    expect(properties['ssl.keystore.type']).toBe('PEM');
  });

  it('escapes backslashes and line breaks in .properties values', () => {
    expect(propertiesText({ a: 'x\\y', b: 'one\ntwo' })).toBe('a=x\\\\y\nb=one\\ntwo\n');
  });

  it('logs at the given level to the broker log, plus the INFO line readiness waits for', () => {
    const log4j2 = parse(loggingConfigText(layout, 'ERROR'));
    expect(log4j2).toMatchObject({
      'appender.file.fileName': '/tmp/kafka-local-x/broker.log',
      'rootLogger.level': 'ERROR',
      'logger.started.name': 'kafka.server.KafkaRaftServer',
      'logger.started.level': 'INFO',
    });
    const log4j1 = parse(loggingConfigText({ ...layout, version: '3.9.1' }));
    expect(log4j1).toMatchObject({
      'log4j.rootLogger': 'WARN, file',
      'log4j.appender.file.File': '/tmp/kafka-local-x/broker.log',
      'log4j.logger.kafka.server.KafkaRaftServer': 'INFO',
    });
    expect(loggingSystemProperties(layout)).toEqual([
      '-Dkafka.logs.dir=/tmp/kafka-local-x/logs',
      '-Dlog4j2.configurationFile=/tmp/kafka-local-x/config/log4j2.properties',
    ]);
    expect(loggingSystemProperties({ ...layout, version: '3.9.1', loggingConfig: '/c/log4j.properties' })[1]).toBe(
      '-Dlog4j.configuration=file:/c/log4j.properties',
    );
  });

  it('recognises the started line, fatal startup errors and port clashes', () => {
    expect(
      STARTED_LINE.test(
        '[2026-01-01] INFO [KafkaRaftServer nodeId=1] Kafka Server started (kafka.server.KafkaRaftServer)',
      ),
    ).toBe(true);
    expect(
      fatalStartupError('ERROR [BrokerServer id=1] Fatal error during broker startup. Prepare to shutdown'),
    ).toBeDefined();
    expect(fatalStartupError('WARN something harmless')).toBeUndefined();
    expect(
      looksLikePortClash(
        'org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: Address already in use.',
      ),
    ).toBe(true);
    expect(looksLikePortClash('Connection refused')).toBe(false);
  });

  it('makes cluster ids StorageTool accepts: 22 URL-safe base64 characters, never a leading dash', () => {
    for (let i = 0; i < 200; i += 1) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('refuses listener names Kafka would misread, or that repeat the built-in ones', () => {
    expect(() =>
      checkListenerNames([
        { name: 'SSL', securityProtocol: 'SSL' },
        { name: 'MTLS', securityProtocol: 'SSL' },
      ]),
    ).not.toThrow();
    for (const names of [['PLAINTEXT'], ['CONTROLLER'], ['ssl'], ['A-B'], ['SSL', 'SSL']]) {
      let thrown: unknown;
      try {
        checkListenerNames(names.map((name) => ({ name, securityProtocol: 'SSL' as const })));
      } catch (error) {
        thrown = error;
      }
      expect(isDevToolError(thrown, 'INVALID_OPTION'), names.join(',')).toBe(true);
    }
  });
});
