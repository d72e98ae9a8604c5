/**
 * The README's own instructions, taken from README.md and run as written against the Graph simulator and the
 * suite's broker: the steps of "Point it at a real tenant", and the four commands of "The pieces one by one"
 * (simulator, broker, run, tail). What is substituted, and only that:
 *
 * - `node dist/src/cli/main.js` and `npm run connector --` become the CLI from source (test/support/cli.ts runs
 *   exactly the `connector` script of package.json, which is asserted), so the suite needs no build;
 *   `npm ci && npm run build` is not run.
 * - `npm run broker -- --port 9092` is the suite's broker (test/global-setup.ts), named by PRESENCE_KAFKA_BROKERS.
 * - Step 4 (`az ad group member list`) is the simulator's users, written into the files the step names.
 * - The tenant: the config's placeholder ids and `cloud: global` are overridden by PRESENCE_* variables naming the
 *   simulator (tenant and client id, Graph and authority URL, its CA); the YAML itself is written as printed.
 * - Isolation from other tests on the same broker: a unique topic and connector name, no metrics port.
 * - `~` is a temporary home, and `./sim` a temporary folder, so the clone stays clean.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { PROJECT_ROOT, runCli, startCli, tempDir, type CliProcess, type TempDir } from '../support/cli.js';
import { createTopic, kafkaBrokers, uniqueTopic, waitForTopic } from '../support/kafka.js';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const SCRIPTS = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const BUILT_CLI = 'node dist/src/cli/main.js ';
const NPM_CLI = 'npm run connector -- ';
/** The change topic's partitions when the connector creates it (kafka.partitions' default). */
const PARTITIONS = 6;

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const rest = README.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** A numbered step of a list: from `n. ` to `n+1. `. */
function step(text: string, n: number): string {
  const start = text.search(new RegExp(`^${n}\\. `, 'm'));
  if (start < 0) throw new Error(`no step ${n}`);
  const end = text.slice(start).search(new RegExp(`^${n + 1}\\. `, 'm'));
  return end < 0 ? text.slice(start) : text.slice(start, start + end);
}

/** The fenced code blocks of `lang` in `text`, un-indented. */
function codeBlocks(text: string, lang: string): string[] {
  return [...text.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)]
    .filter((match) => match[2] === lang)
    .map((match) =>
      (match[3] ?? '')
        .split('\n')
        .map((line) => line.slice(match[1]?.length ?? 0))
        .join('\n'),
    );
}

function onlyBlock(text: string, lang: string): string {
  const blocks = codeBlocks(text, lang);
  expect(blocks, `one ${lang} block in:\n${text}`).toHaveLength(1);
  return blocks[0] ?? '';
}

/** Command lines of a shell block, without comments and blank lines. */
function commands(block: string): string[] {
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** A command line's arguments after `prefix`, with `from` replaced by `to` at the start of each argument. */
function args(line: string, prefix: string, from: string, to: string): string[] {
  expect(line.startsWith(prefix), line).toBe(true);
  return line
    .slice(prefix.length)
    .split(/\s+/)
    .map((arg) => (arg.startsWith(from) ? to + arg.slice(from.length) : arg));
}

/** Isolation from other tests on the shared broker, and the broker itself. */
function kafkaEnv(topic: string): Record<string, string> {
  return {
    PRESENCE_KAFKA_BROKERS: kafkaBrokers().join(','),
    PRESENCE_KAFKA_TOPIC: topic,
    PRESENCE_CONNECTOR_NAME: `readme-${topic.slice(-8)}`,
    PRESENCE_OBSERVABILITY_HTTP_PORT: '0',
  };
}

/** `work`, unless `cli` exits first (then the error says so, with what it printed). */
async function whileRunning<T>(cli: CliProcess, work: Promise<T>): Promise<T> {
  const exited = cli.exited.then((exit): never => {
    throw new Error(`exited (${JSON.stringify(exit)}) first`);
  });
  return cli.explain(Promise.race([work, exited]));
}

async function until(what: string, cli: CliProcess, done: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wait = async (): Promise<void> => {
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await whileRunning(cli, wait());
}

const started: CliProcess[] = [];
function start(cliArgs: string[], env: Record<string, string>): CliProcess {
  const cli = startCli(cliArgs, env);
  started.push(cli);
  return cli;
}

async function stop(cli: CliProcess): Promise<number | null> {
  return (await cli.stop('SIGINT')).code;
}

afterEach(() => {
  for (const cli of started.splice(0)) cli.child.kill('SIGKILL');
});

describe('README "Point it at a real tenant", followed literally against the simulator', () => {
  const USERS = 20;
  let simulator: GraphSimulator;
  let home: TempDir;

  beforeAll(async () => {
    simulator = await startGraphSimulator({ userCount: USERS, autoChurn: false });
    home = tempDir('readme-home-');
  });
  afterAll(async () => {
    await simulator.close();
    home.remove();
  });

  it('steps 3 to 6: the secret file, the users, the config as printed; check-config exits 0, run publishes, tail prints', async () => {
    const steps = section('## Point it at a real tenant');
    const folder = join(home.path, 'presence-connector');

    // Step 3, as printed: the secret typed at the prompt goes into a file only its owner can read.
    const secretStep = onlyBlock(step(steps, 3), 'sh');
    const shell = spawnSync('bash', ['-e', '-c', secretStep], {
      cwd: home.path,
      env: { PATH: process.env['PATH'] ?? '', HOME: home.path },
      input: `${simulator.clientSecret}\n`,
      encoding: 'utf8',
    });
    expect(shell.status, shell.stderr).toBe(0);
    const secretFile = join(folder, 'graph-client-secret');
    expect(readFileSync(secretFile, 'utf8')).toBe(simulator.clientSecret);
    expect(statSync(secretFile).mode & 0o077).toBe(0);

    // Step 4, substituted: the simulator's users, half in each file the step writes.
    const userFiles = [...onlyBlock(step(steps, 4), 'sh').matchAll(/> (\S+)$/gm)].map((match) => match[1] ?? '');
    const config = onlyBlock(step(steps, 5), 'yaml');
    expect(userFiles.sort()).toEqual([...config.matchAll(/usersFile: (\S+)/g)].map((match) => match[1]).sort());
    const ids = simulator.userIds();
    userFiles.forEach((file, index) => {
      const share = ids.filter((_, user) => user % userFiles.length === index);
      writeFileSync(join(folder, file), `${share.join('\n')}\n`);
    });

    // Step 5, as printed, where it says.
    expect(step(steps, 5)).toContain('`~/presence-connector/connector.yaml`');
    writeFileSync(join(folder, 'connector.yaml'), config);
    const caFile = join(home.path, 'simulator-ca.pem');
    writeFileSync(caFile, simulator.caCertificatePem);
    const topic = uniqueTopic('readme-tenant');
    const env = {
      PRESENCE_TENANT_ID: simulator.tenantId,
      PRESENCE_TENANT_CLIENT_ID: simulator.clientId,
      PRESENCE_GRAPH_CLOUD: 'custom',
      PRESENCE_GRAPH_GRAPH_URL: simulator.graphUrl,
      PRESENCE_GRAPH_AUTHORITY_URL: new URL(simulator.authorityUrl).origin,
      PRESENCE_GRAPH_CA_FILE: caFile,
      ...kafkaEnv(topic),
    };

    // Step 6: build (skipped), check-config, run; and the tail command the step names.
    const [build, check, run, ...others] = commands(onlyBlock(step(steps, 6), 'sh'));
    expect(build).toBe('npm ci && npm run build');
    expect(others).toEqual([]);
    const tail = /`(node dist\/src\/cli\/main\.js tail [^`]+)`/.exec(step(steps, 6))?.[1];
    const cliArgs = (line: string | undefined): string[] => args(line ?? '', BUILT_CLI, '~/', `${home.path}/`);

    const checked = await runCli(cliArgs(check), env);
    expect(checked.code, `${checked.stdout.join('\n')}\n${checked.stderr}`).toBe(0);
    expect(checked.stdout.join('\n')).toContain(`client secret (file ${secretFile})`);

    // tail reads from the end of the topic: created first, so tail is reading before run publishes its snapshots.
    await createTopic(topic, { numPartitions: PARTITIONS });
    const tailing = start(cliArgs(tail), env);
    await tailing.waitForLine(/^Reading topic /, 'stderr');
    const running = start(cliArgs(run), env);
    const snapshots = (): string[] => tailing.stdoutLines().filter((line) => /\bSNAPSHOT\b/.test(line));
    await whileRunning(
      running,
      until('a snapshot of every user printed by tail', tailing, () => snapshots().length >= USERS),
    );
    for (const shard of ['emea', 'amer'])
      expect(snapshots().filter((line) => line.includes(`shard ${shard} `))).toHaveLength(USERS / 2);

    expect(await stop(running), running.stderrText()).toBe(0);
    await stop(tailing);
  }, 120_000);
});

describe('README "The pieces one by one": simulator, broker, run, tail', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = tempDir('readme-sim-');
  });
  afterAll(() => dir.remove());

  it('the four commands as printed: run publishes the simulated changes that tail prints', async () => {
    const [broker, simulate, run, tail, ...others] = commands(
      onlyBlock(section('### The pieces one by one: simulator, broker, `run`, `tail`'), 'sh'),
    );
    expect(others).toEqual([]);
    // The broker: the suite's, which `npm run broker` also starts (scripts/kafka/start-broker.ts).
    expect(broker).toBe('npm run broker -- --port 9092');
    expect(SCRIPTS['broker']).toContain('scripts/kafka/start-broker.ts');
    // What test/support/cli.ts runs for `npm run connector --`.
    expect(SCRIPTS['connector']).toBe('exec node --import tsx src/cli/main.ts');
    const cliArgs = (line: string | undefined): string[] => args(line ?? '', NPM_CLI, './sim', join(dir.path, 'sim'));
    const topic = uniqueTopic('readme-sim');
    const env = kafkaEnv(topic);

    const simulator = start(cliArgs(simulate), {});
    await simulator.waitForLine(/^\s+Next\s+npm run connector -- run --config /);
    const config = join(dir.path, 'sim', 'connector.yaml');
    expect(simulator.stdoutLines().join('\n')).toContain(`npm run connector -- tail --config ${config}`);
    const checked = await runCli(['check-config', '--config', config], env);
    expect(checked.code, `${checked.stdout.join('\n')}\n${checked.stderr}`).toBe(0);

    const running = start(cliArgs(run), env);
    await whileRunning(running, waitForTopic(topic));
    const tailing = start(cliArgs(tail), env);
    await tailing.waitForLine(/^Reading topic /, 'stderr');
    // About one change every two seconds among 1,000 users, polled every 5 s.
    const changes = (): string[] => tailing.stdoutLines().filter((line) => /\bCHANGE\b/.test(line));
    await whileRunning(
      running,
      until('a change printed by tail', tailing, () => changes().length > 0),
    );
    const users = new Set(
      readFileSync(join(dir.path, 'sim', 'users.txt'), 'utf8')
        .trim()
        .split('\n'),
    );
    expect(users.size).toBe(1000);
    for (const line of changes()) {
      expect(line).toContain('shard simulated ');
      const user = line.split(/\s+/)[1] ?? '';
      if (/^[0-9a-f-]{36}$/.test(user)) expect(users.has(user), line).toBe(true);
    }

    expect(await stop(running), running.stderrText()).toBe(0);
    await stop(tailing);
    expect(await stop(simulator)).toBe(0);
  }, 120_000);
});
