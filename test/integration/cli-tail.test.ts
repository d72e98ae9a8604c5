import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createWorker } from '../../src/pipeline/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { decode, type DecodedEvent } from '../support/connector-harness.js';
import { createTopic, kafkaBrokers, readMessages, testKafka, uniqueTopic, type ReadMessage } from '../support/kafka.js';
import { runCli, simulatorConfig, startCli, tempDir, type TempDir } from '../support/cli.js';

const USERS = 12;
const CHANGED = [0, 5, 9];
const TOTAL = USERS + CHANGED.length;

let simulator: GraphSimulator;
let dir: TempDir;
let topic: string;
let configFile: string;
/** What the connector wrote, read back with the shared test reader. */
let written: ReadMessage[];

const where = (record: { partition: number; offset: string }): string => `${record.partition}:${record.offset}`;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: USERS, autoChurn: false });
  dir = tempDir();
  topic = uniqueTopic('cli-tail');
  configFile = simulatorConfig(dir, simulator, { brokers: kafkaBrokers(), topic });
  const config = loadConfig({ file: configFile, env: { PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret } });
  const worker = createWorker(config, { logger: createLogger({ level: 'silent' }) });
  await worker.start();
  try {
    await readMessages(topic, { count: USERS });
    simulator.changeUsers(CHANGED);
    written = await readMessages(topic, { count: TOTAL });
  } finally {
    await worker.stop();
  }
});

afterAll(async () => {
  await simulator.close();
  dir.remove();
});

describe('presence-connector tail', () => {
  it('--from-beginning --json --max N prints exactly the N events on the topic, with partition and offset', async () => {
    const result = await runCli([
      'tail',
      '--topic',
      topic,
      '--brokers',
      kafkaBrokers().join(','),
      '--from-beginning',
      '--json',
      '--max',
      String(TOTAL),
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toHaveLength(TOTAL);
    const printed = result.stdout.map(
      (line) => JSON.parse(line) as DecodedEvent & { partition: number; offset: string; valueFormat: string },
    );
    expect(new Set(printed.map(where))).toEqual(new Set(written.map(where)));
    const byPlace = new Map(written.map((message) => [where(message), decode(message)]));
    for (const event of printed) {
      const { partition: _partition, offset: _offset, valueFormat, ...fields } = event;
      expect(valueFormat).toBe('avro');
      expect(fields).toEqual(byPlace.get(where(event)));
    }
    expect(
      printed
        .filter((event) => event.kind === 'CHANGE')
        .map((event) => event.userId)
        .sort(),
    ).toEqual(CHANGED.map((index) => simulator.userIdAt(index)).sort());
  });

  it('--max stops after N records even when more arrived in the same fetch', async () => {
    const max = 5;
    const result = await runCli([
      'tail',
      '--topic',
      topic,
      '--brokers',
      kafkaBrokers().join(','),
      '--from-beginning',
      '--json',
      '--max',
      String(max),
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toHaveLength(max);
    const onTopic = new Set(written.map(where));
    for (const line of result.stdout)
      expect(onTopic.has(where(JSON.parse(line) as { partition: number; offset: string }))).toBe(true);
  });

  it('takes brokers and topic from --config and prints one readable line per event, "old -> new" for a change', async () => {
    const result = await runCli(['tail', '--config', configFile, '--from-beginning', '--max', String(TOTAL)], {
      PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret,
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toHaveLength(TOTAL);
    const events = written.map(decode);
    for (const event of events) {
      const line = result.stdout.find(
        (candidate) => candidate.includes(event.userId) && candidate.includes(` ${event.kind} `),
      );
      expect(line, `no line for ${event.kind} of ${event.userId}`).toBeDefined();
      expect(line?.startsWith(new Date(event.observedAt).toISOString())).toBe(true);
      expect(line).toContain('shard all');
      expect(line).toContain(`seq ${event.sequenceNumber ?? '-'}`);
      const now = `${event.availability}/${event.activity}`;
      if (event.kind === 'CHANGE')
        expect(line).toContain(`${event.previousAvailability ?? ''}/${event.previousActivity ?? ''} -> ${now}`);
      else expect(line).toMatch(new RegExp(` ${now}  seq `));
    }
    expect(result.stdout.filter((line) => line.includes(' -> '))).toHaveLength(CHANGED.length);
  });

  it('reports a record it cannot decode on one line, naming partition and offset, carries on, and exits 0 on Ctrl-C', async () => {
    const mixed = uniqueTopic('cli-tail-mixed');
    await createTopic(mixed);
    const [first, second] = written;
    const producer = testKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: mixed,
        messages: [
          { key: first?.key ?? null, value: first?.value ?? null },
          { key: 'not-an-event', value: Buffer.from([0xff, 0xff, 0xff, 0xff]) },
          { key: second?.key ?? null, value: second?.value ?? null },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const lastUser = second === undefined ? 'missing' : decode(second).userId;

    const cli = startCli(['tail', '--topic', mixed, '--brokers', kafkaBrokers().join(','), '--from-beginning']);
    try {
      await cli.waitForLine(new RegExp(lastUser), 'stdout');
      const exit = await cli.stop('SIGINT');
      expect(exit).toMatchObject({ code: 0, signal: null });
    } finally {
      cli.child.kill('SIGKILL');
    }
    expect(cli.stdoutLines()).toHaveLength(2);
    const errors = cli
      .stderrText()
      .split('\n')
      .filter((line) => line.includes('cannot decode'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/partition 0 offset 1 \(key not-an-event, 4 bytes\)/);
  });
});
