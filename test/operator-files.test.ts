/**
 * The files production operators run from: Dockerfile, .dockerignore, docker-compose.yml with the configuration it
 * mounts, and docs/configuration.md. No Docker engine runs here, so each file is checked for what would break it:
 * the compose file parses and its services agree with each other, the mounted configuration loads, the image copies
 * what the build produces, the health check really answers, and the reference matches the schema.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeSettings, loadConfig } from '../src/config/index.js';
import { startHealthServer } from '../src/observability/index.js';
import { userIdList } from '../src/simulator/user-ids.js';
import { OUTPUT_FILE, renderDocument, TEMPLATE_FILE } from '../scripts/gen-config-reference.js';
import { createTestPki } from './support/pki.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const run = promisify(execFile);
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

function compose(): { services: Record<string, ComposeService> } {
  // The yaml package resolves the `<<` merge keys the file uses for the shared image.
  return parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
}

function service(name: string): ComposeService {
  const found = compose().services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function flag(command: readonly string[], name: string): string {
  const index = command.indexOf(name);
  const value = command[index + 1];
  if (index < 0 || value === undefined) throw new Error(`simulator command has no ${name}`);
  return value;
}

/** Compose's `${NAME:-default}`, as `docker compose` would expand it with NAME unset. */
function withDefaults(text: string): string {
  return text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

describe('docker-compose.yml', () => {
  it('has the broker, the simulator, the connector, an optional Kafka UI and an optional registry, from one image', () => {
    const { services } = compose();
    expect(Object.keys(services).sort()).toEqual(['connector', 'kafka', 'kafka-ui', 'schema-registry', 'simulator']);
    expect(services['schema-registry']?.profiles).toEqual(['registry']);
    expect(withDefaults(services['schema-registry']?.image ?? '')).toBe('apicurio/apicurio-registry:3.3.3');
    expect(withDefaults(services['kafka']?.image ?? '')).toMatch(/^apache\/kafka:4\.1\.\d+$/);
    expect(services['connector']?.image).toBe(services['simulator']?.image);
    expect(services['connector']?.build).toBe('.');
    expect(services['simulator']?.command?.[0]).toBe('simulate');
    expect(services['kafka-ui']?.profiles).toEqual(['ui']);
    expect(services['connector']?.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      simulator: { condition: 'service_healthy' },
    });
  });

  it('gives the connector a configuration that loads, pointed at the simulator and the broker', async () => {
    const connector = service('connector');
    const simulator = service('simulator');
    const command = simulator.command ?? [];
    // Lay out the bind mounts under /etc/presence-connector the way the container sees them.
    const dir = mkdtempSync(join(tmpdir(), 'compose-config-'));
    dirs.push(dir);
    for (const volume of connector.volumes ?? []) {
      const [source, target] = volume.split(':');
      if (source === undefined || target === undefined || !source.startsWith('./')) continue;
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(posix.dirname(target)).toBe('/etc/presence-connector');
      copyFileSync(join(root, source), join(dir, basename(target)));
    }
    // The simulator's CA arrives through a volume at run time; any certificate stands in for it here.
    const caFile = join(dir, 'simulator-ca.pem');
    writeFileSync(caFile, (await createTestPki()).ca.certPem);
    const secret = withDefaults(String(connector.environment?.['PRESENCE_TENANT_CLIENT_SECRET'] ?? ''));
    const config = loadConfig({
      file: join(dir, 'config.yaml'),
      env: { PRESENCE_TENANT_CLIENT_SECRET: secret, PRESENCE_GRAPH_CA_FILE: caFile },
    });

    expect(secret).toBe(withDefaults(flag(command, '--client-secret')));
    expect(config.tenant).toMatchObject({ id: flag(command, '--tenant-id'), clientId: flag(command, '--client-id') });
    expect(config.graph.graphUrl).toBe(`https://${flag(command, '--host')}:${flag(command, '--port')}`);
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    const users = config.shards.flatMap((shard) => shard.userIds);
    expect(users).toEqual(userIdList(Number(flag(command, '--users')), Number(flag(command, '--seed'))));
    // The CA path the config names is where the simulator writes it, on the volume both share.
    const configText = readFileSync(join(dir, 'config.yaml'), 'utf8');
    expect(configText).toContain(`caFile: ${posix.join(flag(command, '--write-config'), 'simulator-ca.pem')}`);
    expect(connector.volumes).toContain(`simulator-ca:${flag(command, '--write-config')}:ro`);
    expect(config.observability.httpPort).toBe(9464);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in one stage and runs in a slim one as a non-root user, with the CLI as entrypoint', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-[a-z-]*slim$/m);
    expect(dockerfile).toMatch(/RUN npm ci --ignore-scripts --no-audit --no-fund\n/);
    expect(dockerfile).toMatch(/RUN npm run build$/m);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/src/cli/main.js"]');
    expect(dockerfile).toContain('CMD ["run", "--config", "/etc/presence-connector/config.yaml"]');
    const packageJson = JSON.parse(read('package.json')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(Object.values(packageJson.bin)).toContain('dist/src/cli/main.js');
    // The codecs read ../../schemas/*.avsc relative to dist/src/<module>/: the build must put them in dist/schemas.
    expect(packageJson.scripts['postbuild']).toContain("cpSync('schemas', 'dist/schemas'");
    expect(JSON.parse(read('tsconfig.build.json'))).toMatchObject({
      compilerOptions: { rootDir: '.' },
      include: ['src'],
    });
  });

  it('copies only what exists and what .dockerignore lets through', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? '').split(' '),
    );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(allowed, `${source} is excluded by .dockerignore`).toContain(source.replace(/\/$/, ''));
    }
    expect(read('.dockerignore')).toMatch(/^\*$/m);
  });

  it('has a HEALTHCHECK that passes against a live /healthz and fails when it is down', async () => {
    const line = dockerfile
      .split('\\\n')
      .join('')
      .split('\n')
      .find((candidate) => candidate.startsWith('HEALTHCHECK'));
    const json = line?.slice(line.indexOf('CMD ') + 4);
    const command = JSON.parse(json ?? '[]') as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const script = command[2] ?? '';
    const registry = new Registry();
    let live = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      status: () => ({ live, ready: false, reasons: [] }),
    });
    const probe = async (): Promise<number> => {
      try {
        await run(process.execPath, ['-e', script], {
          env: { ...process.env, PRESENCE_OBSERVABILITY_HTTP_PORT: String(server.port) },
          timeout: 10_000,
        });
        return 0;
      } catch (error) {
        return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
          ? error.code
          : -1;
      }
    };
    try {
      expect(await probe()).toBe(0);
      live = false;
      expect(await probe()).toBe(1);
    } finally {
      await server.close();
    }
    expect(await probe()).toBe(1);
  });
});

describe('docs/configuration.md', () => {
  it('is what the generator writes from the schema and the template (npm run docs:check)', () => {
    expect(readFileSync(OUTPUT_FILE, 'utf8')).toBe(renderDocument(readFileSync(TEMPLATE_FILE, 'utf8')));
  });

  it('documents every setting and the Azure Event Hubs recipe', () => {
    const text = readFileSync(OUTPUT_FILE, 'utf8');
    for (const setting of describeSettings()) expect(text, setting.path).toContain(`| \`${setting.path}\` |`);
    expect(text).toContain('## Azure Event Hubs');
    expect(text).toContain('username: $ConnectionString');
    expect(text).toMatch(/servicebus\.windows\.net:9093/);
  });

  it('the check fails on a stale file and names the first difference', async () => {
    const script = join(root, 'scripts', 'gen-config-reference.ts');
    const ok = await run(process.execPath, ['--import', 'tsx', script, '--check'], { cwd: root });
    expect(ok.stdout).toContain('up to date');
    const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
    dirs.push(dir);
    const staleFile = join(dir, 'configuration.md');
    writeFileSync(
      staleFile,
      readFileSync(OUTPUT_FILE, 'utf8').replace('| `graph.batchSize` |', '| `graph.batchSizeOld` |'),
    );
    const stale = await run(process.execPath, ['--import', 'tsx', script, '--check', '--output', staleFile], {
      cwd: root,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('npm run docs:config');
    expect(stale.stderr).toMatch(/First difference at line \d+:\n {2}expected: \| `graph\.batchSize` \|/);
  });
});
