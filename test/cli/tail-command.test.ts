import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { parseBrokers, parseMax, parseTailArgs, recordLimit, registryAuthFromEnv } from '../../src/cli/tail-command.js';
import { startCli } from '../support/cli.js';
import { CLIENT_ID, guid, removeTempDirs, tempDir, writeFiles } from '../config/support.js';

afterAll(() => removeTempDirs());
afterEach(() => vi.unstubAllEnvs());

/** A connector config with brokers, topic and TLS; `tail --config` reads only its kafka section. */
function configFile(kafkaLines: string[]): string {
  const dir = tempDir();
  writeFiles(dir, {
    'config.yaml': [
      'tenant:',
      '  id: contoso.onmicrosoft.com',
      `  clientId: ${CLIENT_ID}`,
      'kafka:',
      ...kafkaLines,
      'shards:',
      '  - name: emea',
      `    users: [${guid(1)}]`,
      '',
    ].join('\n'),
  });
  return `${dir}/config.yaml`;
}

describe('parseTailArgs', () => {
  it('needs a topic, from --topic or --config', () => {
    expect(() => parseTailArgs([])).toThrow(new UsageError('tail needs --topic T or --config FILE'));
  });

  it('defaults to localhost:9092, new records only, the human format and no limit', () => {
    expect(parseTailArgs(['--topic', 'presence'])).toEqual({
      brokers: ['localhost:9092'],
      topic: 'presence',
      fromBeginning: false,
      format: 'human',
      max: undefined,
      security: {},
    });
  });

  it('reads the short and long flags', () => {
    expect(
      parseTailArgs(['-t', 'presence', '-b', 'kafka-1:9092,kafka-2:9093', '--from-beginning', '--json', '--max', '5']),
    ).toMatchObject({
      brokers: ['kafka-1:9092', 'kafka-2:9093'],
      topic: 'presence',
      fromBeginning: true,
      format: 'json',
      max: 5,
    });
  });

  it('answers help before anything else is checked', () => {
    expect(parseTailArgs(['--help'])).toBe('help');
    expect(parseTailArgs(['-h', '--max', 'zero'])).toBe('help');
  });

  it('refuses unknown flags and positional arguments', () => {
    expect(() => parseTailArgs(['--topic', 'presence', '--follow'])).toThrow(/Unknown option '--follow'/);
    expect(() => parseTailArgs(['presence'])).toThrow(/Unexpected argument 'presence'/);
  });

  it("takes brokers, topic and TLS from the connector's config, without its Graph credential; flags win", () => {
    // No PRESENCE_TENANT_CLIENT_SECRET, no clientSecretFile: tail signs in to nothing, so it asks for neither.
    const file = configFile([
      '  brokers: [kafka-1:9093]',
      '  topic: teams.presence',
      '  tls:',
      '    enabled: true',
      '    rejectUnauthorized: true',
    ]);
    const fromConfig = parseTailArgs(['--config', file]);
    expect(fromConfig).toMatchObject({ brokers: ['kafka-1:9093'], topic: 'teams.presence' });
    expect(fromConfig !== 'help' && fromConfig.security.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(fromConfig !== 'help' && 'sasl' in fromConfig.security).toBe(false);
    expect(parseTailArgs(['--config', file, '--topic', 'other', '--brokers', 'localhost:9092'])).toMatchObject({
      brokers: ['localhost:9092'],
      topic: 'other',
    });
  });

  it('still reads the Kafka secrets, and refuses a config that is wrong elsewhere', () => {
    vi.stubEnv('PRESENCE_KAFKA_SASL_PASSWORD', 'kafka-password');
    const file = configFile([
      '  brokers: [kafka-1:9093]',
      '  sasl:',
      '    mechanism: scram-sha-512',
      '    username: alice',
    ]);
    const options = parseTailArgs(['--config', file]);
    expect(options !== 'help' && options.security.sasl).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'alice',
    });
    vi.stubEnv('PRESENCE_KAFKA_SASL_PASSWORD', '');
    expect(() => parseTailArgs(['--config', file])).toThrow(/kafka\.sasl/);
  });

  it('passes on the warnings of the config: a misspelt PRESENCE_* variable', () => {
    vi.stubEnv('PRESENCE_KAFKA_TOPICS', 'typo');
    const warnings: string[] = [];
    parseTailArgs(['--config', configFile(['  brokers: [kafka-1:9093]'])], (line) => warnings.push(line));
    expect(warnings).toEqual([
      'warning: env PRESENCE_KAFKA_TOPICS: unknown variable, ignored; did you mean PRESENCE_KAFKA_TOPIC?',
    ]);
  });
});

describe('presence-connector tail, stopped by a signal', () => {
  // A "broker" that accepts connections and never answers: tail is still connecting when the signal comes.
  const connections: Socket[] = [];
  const silent = createServer((socket) => void connections.push(socket));
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('exits 0 on SIGINT and on SIGTERM: a reader stopped on purpose is a success', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const before = connections.length;
      const tail = startCli(['tail', '--topic', 'presence', '--brokers', `127.0.0.1:${port}`]);
      // Connected: the command is running and listens for signals (it does before it connects).
      await tail.explain(waitFor(() => connections.length > before));
      const exit = await tail.stop(signal);
      expect({ code: exit.code, signal: exit.signal }, tail.stderrText()).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('parseBrokers', () => {
  it('splits on commas and trims, dropping empty entries', () => {
    expect(parseBrokers(' kafka-1:9092 , kafka-2:9092,,')).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it('accepts IPv4 and bracketed IPv6 addresses', () => {
    expect(parseBrokers('10.0.0.1:9092,[::1]:9092,[fe80::1]:19092')).toEqual([
      '10.0.0.1:9092',
      '[::1]:9092',
      '[fe80::1]:19092',
    ]);
  });

  it('refuses an empty list and entries without a port', () => {
    for (const value of ['', ' , ', 'kafka-1', 'kafka-1:', 'kafka-1:port', '::1:9092', 'kafka 1:9092', 'a:123456']) {
      expect(() => parseBrokers(value), value).toThrow(UsageError);
    }
    expect(() => parseBrokers('kafka-1')).toThrow('--brokers expects host:port[,host:port...], got "kafka-1"');
  });
});

describe('parseMax', () => {
  it('takes a whole number of at least 1', () => {
    expect(parseMax('1')).toBe(1);
    expect(parseMax('250')).toBe(250);
  });

  it('refuses zero, negatives, fractions, non-numbers and unsafe integers', () => {
    for (const value of ['0', '-3', '1.5', 'ten', '', '9007199254740993']) {
      expect(() => parseMax(value), value).toThrow(UsageError);
    }
    expect(() => parseMax('0')).toThrow('--max expects a whole number of at least 1, got "0"');
  });
});

describe('recordLimit', () => {
  it('takes exactly --max records and then resolves `reached`', async () => {
    const limit = recordLimit(2);
    let reached = false;
    void limit.reached.then(() => {
      reached = true;
    });
    expect(limit.take()).toBe(true);
    await Promise.resolve();
    expect(reached).toBe(false);
    expect(limit.take()).toBe(true);
    await limit.reached;
    expect(reached).toBe(true);
    // Records of the same fetch that arrive after the limit are not printed.
    expect(limit.take()).toBe(false);
    expect(limit.take()).toBe(false);
  });

  it('takes every record and never resolves without --max', async () => {
    const limit = recordLimit(undefined);
    for (let i = 0; i < 1_000; i++) expect(limit.take()).toBe(true);
    const outcome = await Promise.race([limit.reached.then(() => 'reached'), Promise.resolve('pending')]);
    expect(outcome).toBe('pending');
  });
});

describe('registryAuthFromEnv (tail --schema-registry)', () => {
  it("takes the connector's own credential variables: key and secret, or a bearer token", () => {
    expect(
      registryAuthFromEnv({ PRESENCE_SCHEMA_REGISTRY_API_KEY: 'k', PRESENCE_SCHEMA_REGISTRY_API_SECRET: 's' }),
    ).toEqual({ auth: { kind: 'basic', username: 'k', password: 's' } });
    expect(registryAuthFromEnv({ PRESENCE_SCHEMA_REGISTRY_BEARER_TOKEN: 't' })).toEqual({
      auth: { kind: 'bearer', token: 't' },
    });
    expect(registryAuthFromEnv({})).toEqual({});
  });

  it('refuses half a key pair', () => {
    expect(() => registryAuthFromEnv({ PRESENCE_SCHEMA_REGISTRY_API_KEY: 'k' })).toThrow(/API_SECRET, or neither/);
  });
});
