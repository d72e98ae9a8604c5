/**
 * The npm package and the container image as they ship, without a registry to publish to or a Docker engine:
 * - `npm pack` in a copy of the working tree (so its own `prepack` and `prepare` build it, and the repository's
 *   dist/ is left alone), what the tarball holds, and the tarball installed into an empty folder the way a user
 *   installs it, whose `presence-connector` command then runs `help`, `--version` and `check-config`;
 * - the Dockerfile's runtime stage laid out in a folder by its COPY lines (the deps stage's `npm ci` really run, the
 *   build stage's dist/ from the same build), where the image's ENTRYPOINT runs `--version`, `check-config`, the
 *   compose simulator command (restarted, with the compose health check) and the default CMD (`run`, with
 *   compose's configuration and environment) whose HEALTHCHECK answers.
 * npm installs from its cache with the versions package-lock.json pins (`--prefer-offline`): no network once
 * `npm ci` has run. Most of the time is the TypeScript build.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CA_FILE_NAME } from '../src/simulator/tls-store.js';
import { createTestPki } from './support/pki.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'packaging-'));
/** The working tree's copy: the build context of the image and the folder `npm pack` runs in. */
const context = join(work, 'context');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Some 10,000 files (two installs and a copy of the tree): slow on a busy disk.
  await rm(work, { recursive: true, force: true });
}, 120_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The machine's environment without connector settings, with this Node first on PATH (npm scripts use it). */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('PRESENCE_')) env[name] = value;
  env['PATH'] = `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, env = baseEnv(), timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function runOk(command: string, args: string[], cwd: string, env = baseEnv(), timeout = 60_000): Promise<Run> {
  const result = await run(command, args, cwd, env, timeout);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** What a fresh clone holds plus files not committed yet; never dist/, node_modules/ or other ignored output. */
async function copyWorkingTree(target: string): Promise<void> {
  const listed = await runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root);
  for (const file of listed.stdout.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(root, file), join(target, file));
  }
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
}

/**
 * An empty project whose package-lock.json holds the production packages as this repository pins them, so that
 * `npm install <tarball>` resolves the tarball's dependencies to those (from npm's cache) instead of asking the
 * registry for the newest matching versions.
 */
function seedProject(dir: string): void {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const packages: Record<string, unknown> = { '': { name: 'packaging-test' } };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && entry.dev !== true) packages[path] = entry;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'packaging-test', private: true }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'packaging-test', lockfileVersion: 3, requires: true, packages }),
  );
}

const manifestVersion = (): string =>
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** A minimal configuration: one shard of one user, the secret from the environment. */
function writeMinimalConfig(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'users-emea.txt'), '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b\n');
  const file = join(dir, 'connector.yaml');
  writeFileSync(
    file,
    [
      'tenant:',
      '  id: 11111111-2222-3333-4444-555555555555',
      '  clientId: 66666666-7777-8888-9999-000000000000',
      'kafka:',
      '  brokers: [localhost:9092]',
      'shards:',
      '  - name: emea',
      '    usersFile: users-emea.txt',
      '',
    ].join('\n'),
  );
  return file;
}

interface PackResult {
  filename: string;
  entryCount: number;
  files: { path: string }[];
}

let packed: PackResult;
let tarball: string;

async function pack(): Promise<void> {
  const out = join(work, 'out');
  mkdirSync(out);
  const result = await runOk('npm', ['pack', '--json', '--pack-destination', out], context, baseEnv(), 240_000);
  // Lifecycle scripts may print before the JSON.
  [packed] = JSON.parse(result.stdout.slice(result.stdout.search(/^\[/m))) as [PackResult];
  tarball = join(out, packed.filename);
}

beforeAll(async () => {
  await copyWorkingTree(context);
  // As BuildKit does, the image's deps stage runs beside the build: it needs only package.json and its lock.
  await Promise.all([pack(), runDepsStage()]);
}, 300_000);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

describe('the npm package', () => {
  it('holds the build, the Avro schemas, the configuration reference and the licence, and no tooling', () => {
    const paths = packed.files.map((file) => file.path).sort();
    const shipped = /^(dist\/src\/.+\.js|dist\/schemas\/[^/]+\.avsc|docs\/configuration\.md|CHANGELOG\.md)$/;
    expect(paths.filter((path) => !shipped.test(path))).toEqual(['LICENSE', 'README.md', 'package.json']);
    // One module for each source file, from this build: nothing stale, nothing missing.
    const sources = walk(join(context, 'src')).filter((path) => path.endsWith('.ts'));
    const modules = sources.map((path) => `dist/src/${path.replace(/\.ts$/, '.js')}`).sort();
    expect(paths.filter((path) => path.startsWith('dist/src/'))).toEqual(modules);
    const schemas = readdirSync(join(context, 'schemas')).map((name) => `dist/schemas/${name}`);
    expect(paths.filter((path) => path.startsWith('dist/schemas/'))).toEqual(schemas.sort());
    expect(packed.entryCount).toBe(paths.length);
  });

  it('declares Apache-2.0 and ships its verbatim text', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('Apache-2.0');
    const text = readFileSync(join(root, 'LICENSE'), 'utf8');
    // SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt without its surrounding blank lines.
    expect(createHash('sha256').update(text.trim()).digest('hex')).toBe(
      '283ea6cc2997a1a70da0049e09adf9317bb60ca1b51279b65196b83a69e1996b',
    );
  });

  it('installs from the tarball into an empty folder and runs as presence-connector', async () => {
    const project = join(work, 'installed');
    seedProject(project);
    copyFileSync(tarball, join(project, basename(tarball)));
    await runOk(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${basename(tarball)}`],
      project,
      baseEnv(),
      120_000,
    );
    const bin = join(project, 'node_modules', '.bin', 'presence-connector');
    // The command itself (its shebang and execute bit), from a folder that is neither the package nor the repo.
    const help = await runOk(bin, ['help'], work);
    expect(help.stdout).toMatch(/^Usage: presence-connector <command>/);
    expect((await runOk(bin, ['--version'], work)).stdout.trim()).toBe(manifestVersion());
    const config = writeMinimalConfig(join(work, 'minimal'));
    const env = baseEnv({ PRESENCE_TENANT_CLIENT_SECRET: 'not-a-real-secret' });
    const checked = await runOk(bin, ['check-config', '--config', config], work, env);
    expect(checked.stdout).toContain(`Configuration OK: ${config}`);
    expect(checked.stdout).toMatch(/^ +emea +1 user\b/m);
  }, 180_000);
});

// ---- the image: the Dockerfile's stages, emulated in folders ----

interface Stage {
  name: string;
  workdir: string;
  env: Record<string, string>;
  copies: { from?: string; sources: string[]; dest: string }[];
  runs: string[];
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
}

function dockerfileStages(): Stage[] {
  const instructions = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const [keyword = '', ...rest] = line.trim().split(/\s+/);
    const args = rest.join(' ');
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(args)?.[1] ?? `stage-${stages.length}`;
      stages.push({ name, workdir: '/', env: {}, copies: [], runs: [], entrypoint: [], cmd: [], healthcheck: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue;
    if (keyword === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, args);
    if (keyword === 'ENV') {
      for (const [, name = '', value = ''] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[name] = value;
    }
    if (keyword === 'RUN') stage.runs.push(args);
    if (keyword === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    if (keyword === 'CMD') stage.cmd = JSON.parse(args) as string[];
    if (keyword === 'HEALTHCHECK') stage.healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
    if (keyword === 'COPY') {
      const words = args.split(/\s+/);
      const from = words[0]?.startsWith('--from=') === true ? words.shift()?.slice('--from='.length) : undefined;
      const dest = words.pop() ?? '';
      stage.copies.push({ ...(from === undefined ? {} : { from }), sources: words, dest });
    }
  }
  return stages;
}

function stageNamed(name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (stage === undefined) throw new Error(`the Dockerfile has no stage ${name}`);
  return stage;
}

/** Where a path of the runtime container (`/etc/...`, `/var/lib/...`) lives in the emulation. */
const containerRoot = join(work, 'container-fs');
const inContainer = (path: string): string => join(containerRoot, path);
/** The runtime stage's WORKDIR, laid out. */
const app = join(work, 'image-app');

const stages = dockerfileStages();
const runtime = stages.at(-1) as Stage;
const depsDir = join(work, 'stage-deps');

/** The deps stage in its own folder: its COPY lines, then its `npm ci` for real. */
async function runDepsStage(): Promise<void> {
  const deps = stageNamed('deps');
  mkdirSync(depsDir);
  for (const copy of deps.copies) {
    for (const source of copy.sources) cpSync(join(context, source), join(depsDir, source));
  }
  const commands = deps.runs.flatMap((line) => line.split('&&').map((part) => part.trim()));
  const installs = commands.filter((command) => command.startsWith('npm ci '));
  // Only the install: the rest (`npm cache clean --force`) would empty this machine's npm cache.
  if (installs.length !== 1) throw new Error(`expected one npm ci in the deps stage: ${commands.join('; ')}`);
  const [, ...args] = (installs[0] ?? '').split(/\s+/);
  await runOk('npm', [...args, '--prefer-offline'], depsDir, baseEnv(), 180_000);
}

/**
 * The runtime stage's COPY lines, each from where its stage has it: the build context (the working-tree copy), the
 * build stage (the same copy once `npm pack` built it: the build stage runs the same `npm run build`), or the deps
 * stage (its folder).
 */
function layOutRuntime(): void {
  const build = stageNamed('build');
  expect(build.runs).toContain('npm run build');
  const stageDirs: Record<string, { dir: string; workdir: string }> = {
    build: { dir: context, workdir: build.workdir },
    deps: { dir: depsDir, workdir: stageNamed('deps').workdir },
  };
  mkdirSync(app);
  for (const copy of runtime.copies) {
    for (const source of copy.sources) {
      const stage = copy.from === undefined ? undefined : stageDirs[copy.from];
      const from = stage === undefined ? join(context, source) : join(stage.dir, posix.relative(stage.workdir, source));
      const dest = copy.dest.endsWith('/') ? join(app, copy.dest, basename(source)) : join(app, copy.dest);
      // The deps stage's folder serves this one copy: moved rather than copied, some 3,000 files fewer to write.
      if (copy.from === 'deps') renameSync(from, dest);
      else cpSync(from, dest, { recursive: true });
    }
  }
}

/** A free TCP port on loopback (nothing listens on it once this returns). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The image's ENTRYPOINT followed by `args`, run in the laid-out WORKDIR with the image's ENV. */
function startInImage(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const [node, ...entry] = runtime.entrypoint;
  expect(node).toBe('node');
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: app,
    env: { PATH: process.env['PATH'] ?? '', ...runtime.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string; restart?: boolean }>;
  healthcheck?: { test: string[] };
}

const composeServices = (): Record<string, ComposeService> =>
  (
    parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>;
    }
  ).services;

/** Compose's `${NAME:-default}` with NAME unset. */
const withDefaults = (text: string): string => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

function replaceOnce(text: string, from: string, to: string): string {
  expect(text, `expected ${from} in ${text}`).toContain(from);
  return text.split(from).join(to);
}

/** The connector's bind mounts (its config and users file), copied where the container sees them; the config. */
function mountConnectorFiles(): { graph: { caFile: string } } {
  let config: string | undefined;
  for (const volume of composeServices()['connector']?.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (!source.startsWith('./')) continue;
    mkdirSync(dirname(inContainer(target)), { recursive: true });
    copyFileSync(join(root, source), inContainer(target));
    if (basename(target) === 'config.yaml') config = inContainer(target);
  }
  if (config === undefined) throw new Error('the connector service mounts no config.yaml');
  return parse(readFileSync(config, 'utf8')) as { graph: { caFile: string } };
}

describe('the container image, laid out as the Dockerfile lays it out', () => {
  let simulatorPort: number;
  let caFile: string;

  beforeAll(() => {
    layOutRuntime();
  });

  it('holds the build, the production dependencies only, package.json and the licence', () => {
    expect(readdirSync(app).sort()).toEqual(['LICENSE', 'dist', 'node_modules', 'package.json']);
    expect(existsSync(join(app, 'dist', 'schemas', 'presence-change.avsc'))).toBe(true);
    const installed = readdirSync(join(app, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['kafkajs', 'pino', 'undici', 'zod']));
    for (const devOnly of ['typescript', 'vitest', 'tsx', 'eslint']) expect(installed).not.toContain(devOnly);
  });

  it('prints the version of the package.json it copies (--version)', async () => {
    const started = startInImage(['--version'], {});
    expect(await exitOf(started.child), started.output()).toBe(0);
    expect(started.output().trim()).toBe(manifestVersion());
  });

  it('runs check-config through the ENTRYPOINT', async () => {
    const config = writeMinimalConfig(join(work, 'image-minimal'));
    const started = startInImage(['check-config', '--config', config], { PRESENCE_TENANT_CLIENT_SECRET: 'x' });
    expect(await exitOf(started.child), started.output()).toBe(0);
    expect(started.output()).toContain('Configuration OK');
  });

  it("runs compose's simulator command: the certificate the connector trusts survives a restart", async () => {
    const simulator = composeServices()['simulator'];
    const command = (simulator?.command ?? []).map(withDefaults);
    const at = (flag: string): number => {
      expect(command).toContain(flag);
      return command.indexOf(flag) + 1;
    };
    const folder = command[at('--write-config')] ?? '';
    const configuredCa = mountConnectorFiles().graph.caFile;
    caFile = inContainer(configuredCa);
    mkdirSync(inContainer(folder), { recursive: true });
    const args = [...command];
    args[at('--host')] = '127.0.0.1';
    args[at('--port')] = '0';
    args[at('--write-config')] = inContainer(folder);
    const start = async (): Promise<ChildProcess> => {
      const started = startInImage(args, {});
      simulatorPort = await until('the simulator', () => {
        if (started.child.exitCode !== null) throw new Error(`simulator exited: ${started.output()}`);
        const port = /Graph URL +https:\/\/127\.0\.0\.1:(\d+)/.exec(started.output())?.[1];
        return port === undefined || !started.output().includes('  Config ') ? undefined : Number(port);
      });
      return started.child;
    };

    const first = await start();
    const [node, flag, script = ''] = simulator?.healthcheck?.test.slice(1) ?? [];
    expect([node, flag]).toEqual(['node', '-e']);
    const healthy = async (ca: string): Promise<boolean> => {
      let local = replaceOnce(script, "'simulator'", "'127.0.0.1'");
      local = replaceOnce(local, 'port: 8443', `port: ${simulatorPort}`);
      local = replaceOnce(local, `'${configuredCa}'`, JSON.stringify(ca));
      return (await run(process.execPath, ['-e', local], app, baseEnv(), 15_000)).code === 0;
    };
    expect(await healthy(caFile)).toBe(true);
    // The check is a TLS handshake against the file: another certificate there, or none, is not healthy.
    const other = join(work, 'other-ca.pem');
    writeFileSync(other, (await createTestPki()).ca.certPem);
    expect(await healthy(other)).toBe(false);
    expect(await healthy(join(work, 'missing-ca.pem'))).toBe(false);

    const trusted = readFileSync(caFile, 'utf8');
    first.kill('SIGTERM');
    expect(await exitOf(first)).toBe(0);
    await start();
    expect(readFileSync(caFile, 'utf8')).toBe(trusted);
    expect(await healthy(caFile)).toBe(true);

    // The folder's own connector.yaml is one for the compose network.
    const written = startInImage(['check-config', '--config', join(inContainer(folder), 'connector.yaml')], {});
    expect(await exitOf(written.child), written.output()).toBe(0);
    expect(written.output()).toMatch(/kafka +kafka:9092 /);
  }, 90_000);

  it("runs the default CMD with compose's configuration: the HEALTHCHECK passes, SIGTERM exits 0", async () => {
    const connector = composeServices()['connector'];
    const environment = Object.fromEntries(
      Object.entries(connector?.environment ?? {}).map(([name, value]) => [name, withDefaults(String(value))]),
    );
    const httpPort = await freePort();
    const graph = `https://127.0.0.1:${simulatorPort}`;
    const started = startInImage(
      runtime.cmd.map((arg) => (arg.startsWith('/') ? inContainer(arg) : arg)),
      {
        ...environment,
        // What the compose network and volume provide: the simulator, its CA, a broker (here nothing listens).
        PRESENCE_GRAPH_GRAPH_URL: graph,
        PRESENCE_GRAPH_AUTHORITY_URL: graph,
        PRESENCE_GRAPH_CA_FILE: caFile,
        PRESENCE_KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
        PRESENCE_OBSERVABILITY_HTTP_PORT: String(httpPort),
      },
    );
    const [node, flag, script = ''] = runtime.healthcheck;
    expect([node, flag]).toEqual(['node', '-e']);
    const env = baseEnv({ PRESENCE_OBSERVABILITY_HTTP_PORT: String(httpPort) });
    await until('the HEALTHCHECK to pass', async () => {
      if (started.child.exitCode !== null) throw new Error(`connector exited: ${started.output()}`);
      return (await run(process.execPath, ['-e', script], app, env, 10_000)).code === 0 ? true : undefined;
    });
    started.child.kill('SIGTERM');
    expect(await exitOf(started.child), started.output()).toBe(0);
  }, 90_000);
});

describe('docker-compose.yml', () => {
  it('builds the image once, for every service that runs it', () => {
    const services = composeServices();
    const builders = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(builders.map(([name]) => name)).toEqual(['connector']);
    expect(services['simulator']?.image).toBe(services['connector']?.image);
  });

  it("keeps the simulator's certificate on the volume where the connector's config finds it", () => {
    const services = composeServices();
    const command = services['simulator']?.command ?? [];
    const folder = command[command.indexOf('--write-config') + 1] ?? '';
    expect(folder).toMatch(/^\//);
    const volume = (services['simulator']?.volumes ?? []).find((entry) => entry.endsWith(`:${folder}`));
    expect(volume).toBeDefined();
    expect(services['connector']?.volumes).toContain(`${volume}:ro`);
    expect(mountConnectorFiles().graph.caFile).toBe(posix.join(folder, CA_FILE_NAME));
  });
});
