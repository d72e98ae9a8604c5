/** The demo itself, loaded by scripts/demo.ts once the flags are known to be good. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createRecordDecoder, printProcessWarnings, waitForStopSignal } from '../../src/cli/index.js';
import { loadConfig, type ConnectorConfig } from '../../src/config/index.js';
import { isConnectorError, toError } from '../../src/errors.js';
import { createPresenceEventCodec } from '../../src/events/index.js';
import { startTopicReader, type TopicReader } from '../../src/kafka/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { SchemaRegistryClient } from '../../src/schema-registry/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { kafkaJarsCached } from '../kafka/index.js';
import { registryDistributionCached, startLocalRegistry } from '../registry/index.js';
import { freePort } from '../support/index.js';
import { startBrokerHost } from './broker-host.js';
import { Resources, step, Stopped } from './lifecycle.js';
import { liveView } from './live-view.js';
import { connectorLogLines } from './log-lines.js';
import { SHARD_NAMES, type DemoOptions } from './options.js';
import { createScreen } from './screen.js';
import { startStatusReporter } from './status.js';

const TOPIC = 'presence-demo';

const startedAt = Date.now();
const screen = createScreen(process.stdout, process.stderr);
/** `[demo  12.3s] `: what say() puts before each message. */
const SAY_PREFIX_COLUMNS = 14;

function say(message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  screen.note(`[demo ${elapsed}s] ${message}`);
}

function writeConnectorConfig(
  dir: string,
  simulator: GraphSimulator,
  brokers: string[],
  options: DemoOptions,
  httpPort: number,
  registryUrl: string | undefined,
): string {
  const caFile = join(dir, 'simulator-ca.pem');
  writeFileSync(caFile, simulator.caCertificatePem);
  const ids = simulator.userIds();
  const perShard = Math.ceil(ids.length / options.shards);
  const shards = SHARD_NAMES.slice(0, options.shards).map((name, index) => ({
    name,
    users: ids.slice(index * perShard, (index + 1) * perShard),
  }));
  const document = {
    connectorName: 'presence-demo',
    tenant: { id: simulator.tenantId, clientId: simulator.clientId },
    graph: {
      cloud: 'custom',
      graphUrl: simulator.graphUrl,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      caFile,
    },
    kafka: { brokers, topic: TOPIC, partitions: 3 },
    polling: { intervalSeconds: options.intervalSeconds, startJitterSeconds: Math.min(2, options.intervalSeconds) },
    shutdown: { timeoutSeconds: 10 },
    observability: { logLevel: 'warn', httpPort },
    ...(registryUrl === undefined ? {} : { schemaRegistry: { url: registryUrl } }),
    shards: shards.filter((shard) => shard.users.length > 0),
  };
  const file = join(dir, 'connector.yaml');
  writeFileSync(file, stringify(document));
  return file;
}

async function startEverything(
  options: DemoOptions,
  entryScript: string,
  resources: Resources,
  stop: Promise<NodeJS.Signals>,
): Promise<void> {
  say(
    `starting the Graph simulator: HTTPS, ${options.users.toLocaleString('en-US')} users, ${Math.round(options.churn * 100)} % of them change per minute`,
  );
  const simulator = await step(
    startGraphSimulator({ userCount: options.users, changesPerMinuteShare: options.churn }),
    stop,
    (sim) => sim.close(),
  );
  resources.add('the Graph simulator', () => simulator.close());
  say(`simulator ready at ${simulator.graphUrl}`);

  say(
    kafkaJarsCached()
      ? 'starting a local Kafka broker'
      : 'starting a local Kafka broker; first, Maven resolves its jars into .kafka/ (once: about a minute)',
  );
  const broker = startBrokerHost(entryScript, (message) => say(`  ${message}`));
  resources.add('the Kafka broker', () => broker.stop());
  const brokers = await step(broker.ready, stop);
  const registryUrl = options.registry ? await startRegistry(resources, stop) : undefined;

  const dir = mkdtempSync(join(tmpdir(), 'presence-demo-'));
  resources.add(undefined, async () => rmSync(dir, { recursive: true, force: true }));
  const httpPort = await freePort();
  const configFile = writeConnectorConfig(dir, simulator, brokers, options, httpPort, registryUrl);
  const config = loadConfig({
    file: configFile,
    env: { ...process.env, PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret },
  });
  const tailCommand = describeConfig(config, configFile);

  const worker = await startWorker(config, options.verbose, resources, stop);
  const metricsUrl = `http://127.0.0.1:${worker.httpPort ?? httpPort}/metrics`;
  say(`connector polling; metrics at ${metricsUrl}`);

  const view = liveView({
    decoder: createRecordDecoder(
      createPresenceEventCodec(),
      registryUrl === undefined ? undefined : new SchemaRegistryClient({ url: registryUrl, requestTimeoutMs: 10_000 }),
    ),
    say,
    print: (line) => screen.line(line),
    warn: (line) => screen.note(line),
    columns: () => screen.columns(),
    displayName: (userId) => displayNameOf(simulator, userId),
  });
  // No onLog: the connector's own log lines already report Kafka trouble, once.
  const reader = await step(
    startTopicReader({
      brokers,
      topic: TOPIC,
      fromBeginning: true,
      clientId: 'presence-demo-view',
      onRecord: view.onRecord,
    }),
    stop,
    (started) => started.stop(),
  );
  resources.add('the live view', () => reader.stop());
  say(`live view of ${TOPIC}, ${reader.partitions} partitions: a line per change; Ctrl-C stops everything`);
  const status = startStatusReporter({
    screen,
    say,
    sayPrefixColumns: SAY_PREFIX_COLUMNS,
    facts: { users: options.users, shards: config.shards.length, metricsUrl, tailCommand },
    changes: () => view.changes(),
    readiness: () => worker.health(),
  });
  resources.add(undefined, async () => status.stop());
  await watch(reader, stop);
}

/** '' for an id the simulator does not know (none in the demo's own topic): the name column stays aligned. */
function displayNameOf(simulator: GraphSimulator, userId: string): string {
  try {
    return simulator.directory.user(userId).displayName;
  } catch {
    return '';
  }
}

async function startRegistry(resources: Resources, stop: Promise<NodeJS.Signals>): Promise<string> {
  const download = registryDistributionCached() ? '' : '; this first run downloads about 160 MB';
  say(`starting a local Schema Registry (Apicurio, needs Java 21+${download})`);
  const registry = await step(startLocalRegistry({ onProgress: (message) => say(`  ${message}`) }), stop, (r) =>
    r.stop(),
  );
  resources.add('the Schema Registry', () => registry.stop());
  say(`schema registry ready at ${registry.url}`);
  return registry.url;
}

/** Says what the connector runs with, and the `tail` command that shows its topic from another terminal. */
function describeConfig(config: ConnectorConfig, configFile: string): string {
  const users = config.shards.reduce((sum, shard) => sum + shard.userIds.length, 0);
  say(`connector config ${configFile}`);
  say(
    `  ${config.shards.length} shards, ${users.toLocaleString('en-US')} users, polled every ${config.polling.intervalSeconds} s`,
  );
  const tailCommand =
    `npm run connector -- tail --topic ${config.kafka.topic} --brokers ${config.kafka.brokers.join(',')}` +
    (config.schemaRegistry === undefined ? '' : ` --schema-registry ${config.schemaRegistry.url}`);
  say(`tail: ${tailCommand}`);
  return tailCommand;
}

async function startWorker(
  config: ConnectorConfig,
  verbose: boolean,
  resources: Resources,
  stop: Promise<NodeJS.Signals>,
): Promise<Worker> {
  // Warnings and errors only, on stderr: the live view on stdout stays readable.
  const worker = createWorker(config, {
    logger: createLogger({ level: 'warn', destination: connectorLogLines(verbose, say) }),
  });
  say('starting the connector (in-process worker; logs at warn on stderr)');
  // Registered before start: stopping also aborts a start that is still waiting for Kafka.
  resources.add('the connector (finishing requests in flight, flushing Kafka)', () => worker.stop());
  await step(worker.start(), stop);
  return worker;
}

async function watch(reader: TopicReader, stop: Promise<NodeJS.Signals>): Promise<void> {
  const outcome = await Promise.race([
    stop.then((signal) => ({ signal })),
    reader.finished.then(() => ({ signal: undefined })),
  ]);
  if (outcome.signal !== undefined) say(`${outcome.signal}: stopping`);
}

/** Runs the demo until Ctrl-C; `entryScript` is the script that hosts the broker when run with BROKER_HOST_FLAG. */
export async function runDemo(options: DemoOptions, entryScript: string): Promise<number> {
  printProcessWarnings();
  const stop = waitForStopSignal({
    onRepeat: () => {
      say('second Ctrl-C: exiting at once (the Kafka broker stops by itself once this process is gone)');
      process.exit(130);
    },
  });
  const resources = new Resources(say);
  let failed = false;
  try {
    await startEverything(options, entryScript, resources, stop);
  } catch (error) {
    if (!(error instanceof Stopped)) {
      failed = true;
      say(
        `failed: ${isConnectorError(error) ? `${error.code}: ${error.message}` : (toError(error).stack ?? String(error))}`,
      );
    } else {
      say('stopped during start-up');
    }
  }
  const clean = await resources.stopAll();
  say(clean ? 'everything stopped' : 'stopped, with errors');
  return failed || !clean ? 1 : 0;
}
