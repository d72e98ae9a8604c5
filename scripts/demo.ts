/**
 * `npm run demo`: the whole pipeline on one machine, with nothing to install but Java and Maven.
 *
 *   Graph simulator (HTTPS, churning users) -> connector (in-process worker) -> local Kafka broker -> live view
 *
 * Flags: --users N (default 2000), --churn SHARE per minute (default 0.2), --interval SECONDS (default 5),
 * --shards N (default 4), --verbose (also the Kafka client's own log lines), --registry (also a local Schema
 * Registry: Confluent-framed values, and the schema id they carry). Ctrl-C stops everything in reverse
 * order; nothing is left running.
 *
 * package.json runs it as `exec node --import tsx`: without `exec`, dash (Ubuntu's /bin/sh) dies of the Ctrl-C it
 * gets while waiting, and npm then reports 130 although the demo stopped cleanly; and the tsx CLI's signal relay
 * SIGKILLs a child that is slow (60 ms) to acknowledge a signal, which would skip the orderly shutdown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createRecordDecoder, printProcessWarnings, waitForStopSignal } from '../src/cli/index.js';
import { loadConfig, type ConnectorConfig } from '../src/config/index.js';
import { isConnectorError, toError } from '../src/errors.js';
import { createPresenceEventCodec } from '../src/events/index.js';
import { startTopicReader, type TopicReader } from '../src/kafka/index.js';
import { createLogger } from '../src/observability/index.js';
import { createWorker, type Worker } from '../src/pipeline/index.js';
import { SchemaRegistryClient } from '../src/schema-registry/index.js';
import { startGraphSimulator, type GraphSimulator } from '../src/simulator/index.js';
import { BROKER_HOST_FLAG, hostBroker, startBrokerHost } from './demo/broker-host.js';
import { liveView } from './demo/live-view.js';
import { connectorLogLines } from './demo/log-lines.js';
import { startLocalRegistry } from './registry/index.js';
import { DevToolError, freePort } from './support/index.js';

const TOPIC = 'presence-demo';
const SHARD_NAMES = ['emea', 'amer', 'apac', 'latam', 'anz', 'india', 'nordics', 'benelux'];

interface DemoOptions {
  users: number;
  churn: number;
  intervalSeconds: number;
  shards: number;
  /** Also show the Kafka client's own warnings (transient coordinator loading, idempotence notices). */
  verbose: boolean;
  /** Also start a local Schema Registry: values are then Confluent-framed, and the view says with which id. */
  registry: boolean;
}

const startedAt = Date.now();

function say(message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[demo ${elapsed}s] ${message}\n`);
}

function parseDemoArgs(): DemoOptions {
  const { values } = parseArgs({
    strict: true,
    options: {
      users: { type: 'string', default: '2000' },
      churn: { type: 'string', default: '0.2' },
      interval: { type: 'string', default: '5' },
      shards: { type: 'string', default: '4' },
      verbose: { type: 'boolean', default: false },
      registry: { type: 'boolean', default: false },
    },
  });
  const number = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new DevToolError('INVALID_OPTION', `--${name} must be between ${min} and ${max}, got ${raw}`, {
        details: { option: name, value: raw },
      });
    return value;
  };
  return {
    users: Math.round(number('users', values.users, 1, 100_000)),
    churn: number('churn', values.churn, 0, 1),
    intervalSeconds: Math.round(number('interval', values.interval, 1, 3600)),
    shards: Math.round(number('shards', values.shards, 1, SHARD_NAMES.length)),
    verbose: values.verbose,
    registry: values.registry,
  };
}

/** Things to stop, most recently started first. */
class Resources {
  private readonly stack: Array<{ name: string; stop: () => Promise<void> }> = [];

  add(name: string, stop: () => Promise<void>): void {
    this.stack.push({ name, stop });
  }

  async stopAll(): Promise<boolean> {
    let clean = true;
    for (let item = this.stack.pop(); item !== undefined; item = this.stack.pop()) {
      say(`stopping ${item.name}`);
      try {
        await item.stop();
      } catch (error) {
        clean = false;
        say(`  stopping ${item.name} failed: ${toError(error).message}`);
      }
    }
    return clean;
  }
}

class Stopped extends Error {}

/**
 * Waits for a start-up step unless Ctrl-C comes first. Without `abandon` the caller has already registered how to
 * stop the thing being started; with it, a step that completes after Ctrl-C is undone by it.
 */
async function step<T>(
  work: Promise<T>,
  stop: Promise<NodeJS.Signals>,
  abandon?: (value: T) => Promise<void>,
): Promise<T> {
  const first = await Promise.race([work.then((value) => ({ value })), stop.then(() => undefined)]);
  if (first === undefined) {
    // After Ctrl-C a step that still fails has nothing left to report: stopping is what usually makes it fail (the
    // broker host exits, a start is aborted), and the user already asked for everything to stop.
    if (abandon !== undefined) await work.then(abandon, () => undefined);
    else work.catch(() => undefined);
    throw new Stopped();
  }
  return first.value;
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
  resources: Resources,
  stop: Promise<NodeJS.Signals>,
): Promise<void> {
  say(
    `starting the Graph presence simulator: HTTPS, ${options.users.toLocaleString('en-US')} users, ${Math.round(options.churn * 100)} % of them change per minute`,
  );
  const simulator = await step(
    startGraphSimulator({ userCount: options.users, changesPerMinuteShare: options.churn }),
    stop,
    (sim) => sim.close(),
  );
  resources.add('the Graph simulator', () => simulator.close());
  say(`simulator ready at ${simulator.graphUrl}`);

  say('starting a local Kafka broker (the first run resolves the Kafka jars with Maven: about a minute)');
  const broker = startBrokerHost(fileURLToPath(import.meta.url), (message) => say(`  ${message}`));
  resources.add('the Kafka broker', () => broker.stop());
  const brokers = await step(broker.ready, stop);
  const registryUrl = options.registry ? await startRegistry(resources, stop) : undefined;

  const dir = mkdtempSync(join(tmpdir(), 'presence-demo-'));
  resources.add('(removing the temporary config)', async () => rmSync(dir, { recursive: true, force: true }));
  const httpPort = await freePort();
  const configFile = writeConnectorConfig(dir, simulator, brokers, options, httpPort, registryUrl);
  const config = loadConfig({
    file: configFile,
    env: { ...process.env, PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret },
  });
  describeConfig(config, configFile);

  const worker = await startWorker(config, options.verbose, resources, stop);
  say(`connector polling; metrics at http://127.0.0.1:${worker.httpPort ?? httpPort}/metrics`);

  const reader = await step(
    startTopicReader({
      brokers,
      topic: TOPIC,
      fromBeginning: true,
      clientId: 'presence-demo-view',
      // No onLog: the connector's own log lines already report Kafka trouble, once.
      onRecord: liveView(
        createRecordDecoder(
          createPresenceEventCodec(),
          registryUrl === undefined
            ? undefined
            : new SchemaRegistryClient({ url: registryUrl, requestTimeoutMs: 10_000 }),
        ),
        say,
      ),
    }),
    stop,
    (started) => started.stop(),
  );
  resources.add('the live view', () => reader.stop());
  say(`live view of ${TOPIC} (${reader.partitions} partitions): one line per presence change; Ctrl-C stops everything`);
  await watch(reader, stop);
}

async function startRegistry(resources: Resources, stop: Promise<NodeJS.Signals>): Promise<string> {
  say('starting a local Schema Registry (Apicurio, needs Java 21+; the first run downloads about 160 MB)');
  const registry = await step(startLocalRegistry({ onProgress: (message) => say(`  ${message}`) }), stop, (r) =>
    r.stop(),
  );
  resources.add('the Schema Registry', () => registry.stop());
  say(`schema registry ready at ${registry.url}`);
  return registry.url;
}

function describeConfig(config: ConnectorConfig, configFile: string): void {
  const users = config.shards.reduce((sum, shard) => sum + shard.userIds.length, 0);
  say(
    `connector config ${configFile}: ${config.shards.length} shards, ${users.toLocaleString('en-US')} users, polled every ${config.polling.intervalSeconds} s`,
  );
  say(
    `  from another terminal: npm run connector -- tail --topic ${config.kafka.topic} --brokers ${config.kafka.brokers.join(',')}` +
      (config.schemaRegistry === undefined ? '' : ` --schema-registry ${config.schemaRegistry.url}`),
  );
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

async function main(): Promise<number> {
  printProcessWarnings();
  const options = parseDemoArgs();
  const stop = waitForStopSignal({
    onRepeat: () => {
      say('second Ctrl-C: exiting at once (the Kafka broker stops by itself once this process is gone)');
      process.exit(130);
    },
  });
  const resources = new Resources();
  let failed = false;
  try {
    await startEverything(options, resources, stop);
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

(process.argv.includes(BROKER_HOST_FLAG) ? hostBroker() : main()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${toError(error).message}`);
    process.exit(1);
  },
);
