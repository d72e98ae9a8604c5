/**
 * test/ mirrors src/: every module with logic has its unit test at test/<same path>.test.ts (src/a/b.ts ->
 * test/a/b.test.ts), so that the test of a file is found without searching and a module without one shows up here.
 * A module may only go without such a test when it is listed below, with the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Files without logic of their own: re-exports, type declarations, entry points that only hand over to a tested
 * function. Paths are relative to src/.
 */
const NO_LOGIC: ReadonlyMap<string, string> = new Map([
  ['auth/index.ts', 're-exports'],
  ['cli/index.ts', 're-exports'],
  ['config/index.ts', 're-exports'],
  ['config/types.ts', 'type declarations of the resolved configuration'],
  ['directory/index.ts', 're-exports'],
  ['events/index.ts', 're-exports'],
  ['graph/index.ts', 're-exports'],
  ['http/index.ts', 're-exports'],
  ['kafka/index.ts', 're-exports'],
  ['kafka/types.ts', 'type declarations of the Kafka client surface'],
  ['observability/index.ts', 're-exports'],
  ['pipeline/index.ts', 're-exports'],
  ['discovery/index.ts', 're-exports'],
  ['poller/index.ts', 're-exports'],
  ['retry/index.ts', 're-exports'],
  ['shard-ownership/index.ts', 're-exports'],
  ['sink/index.ts', 're-exports'],
  ['sink/types.ts', 'type declarations of the sink interface'],
  ['state/index.ts', 're-exports'],
  ['state/departure.ts', 'type declaration of a user who left a shard'],
  // Re-exports, plus userIdAt/userIds: one-line defaults over user-ids.ts, exercised by test/simulator/user-ids.test.ts.
  ['simulator/index.ts', 're-exports and default-seed wrappers'],
  // `npx tsx src/simulator/main.ts`: runSimulatorCli (test/simulator/cli.test.ts) plus signal handlers.
  ['simulator/main.ts', 'stand-alone entry point over runSimulatorCli'],
]);

/**
 * Modules whose behaviour needs the real broker: tested end to end in test/integration/, by scenario.
 * Module (relative to src/) -> the integration test that covers it.
 */
const INTEGRATION_ONLY: ReadonlyMap<string, string> = new Map([
  ['cli/run-command.ts', 'integration/cli-run.test.ts'],
  // Thin adapters over kafkajs: what they do is what the broker answers, so a fake would test only itself. Their
  // callers (src/sink, src/shard-ownership) are unit-tested against fakes of these adapters' interfaces. Where an
  // adapter has decisions of its own (partition-reader, producers) they are pure helpers with unit tests.
  ['kafka/admin.ts', 'integration/state-restore.test.ts'],
  ['kafka/cluster.ts', 'integration/connector.test.ts'],
  ['kafka/group-membership.ts', 'integration/scale-out.test.ts'],
  ['kafka/topic-reader.ts', 'integration/cli-tail.test.ts'],
  // Wiring: builds the real stages from a config and runs them; each stage has its unit test.
  ['pipeline/kafka-wiring.ts', 'integration/connector.test.ts'],
  ['pipeline/discovery-wiring.ts', 'integration/discovery.test.ts'],
  ['directory/connector-directory.ts', 'cli/online-check.test.ts'],
  ['pipeline/worker-parts.ts', 'integration/connector.test.ts'],
  ['pipeline/worker.ts', 'integration/connector.test.ts'],
  // Joins the real worker group; its parts (layout comparison, membership, supervisor) have unit tests.
  ['shard-ownership/group-join.ts', 'integration/scale-out.test.ts'],
]);

/** Every .ts file under src/, as a path relative to src/ with forward slashes. */
function sourceModules(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceModules(full);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return [];
    return [relative(join(root, 'src'), full).split(sep).join('/')];
  });
}

/** House rule: a src file longer than this is split. */
const MAX_SOURCE_LINES = 300;

function mirroredTest(module: string): string {
  return `test/${module.replace(/\.ts$/, '.test.ts')}`;
}

describe('test/ mirrors src/', () => {
  const modules = sourceModules();

  it('finds the modules', () => {
    // Guards the walk itself: an empty list would make every other check pass.
    expect(modules).toContain('config/load.ts');
    expect(modules).toContain('simulator/server.ts');
  });

  it('has a unit test at test/<path>.test.ts for every module with logic', () => {
    const missing = modules.filter(
      (module) =>
        !NO_LOGIC.has(module) && !INTEGRATION_ONLY.has(module) && !existsSync(join(root, mirroredTest(module))),
    );
    expect(missing.map((module) => `src/${module} has no ${mirroredTest(module)}`)).toEqual([]);
  });

  it('lists only modules that exist, and integration tests that exist', () => {
    const known = new Set(modules);
    // An entry for a module that was renamed or deleted would excuse its successor by accident.
    const stale = [...NO_LOGIC.keys(), ...INTEGRATION_ONLY.keys()].filter((module) => !known.has(module));
    expect(stale).toEqual([]);
    const absent = [...INTEGRATION_ONLY.values()].filter((test) => !existsSync(join(root, 'test', test)));
    expect(absent).toEqual([]);
  });

  it('lists as integration-only only modules without a unit test', () => {
    // A module that gained a unit test leaves the list, so the list shows what a fake still cannot reach.
    const tested = [...INTEGRATION_ONLY.keys()].filter((module) => existsSync(join(root, mirroredTest(module))));
    expect(tested.map((module) => `src/${module} has ${mirroredTest(module)}: drop it from INTEGRATION_ONLY`)).toEqual(
      [],
    );
  });

  it(`keeps every src file at or below ${MAX_SOURCE_LINES} lines`, () => {
    const long = modules.flatMap((module) => {
      const text = readFileSync(join(root, 'src', module), 'utf8');
      const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
      return lines > MAX_SOURCE_LINES ? [`src/${module} has ${lines} lines (at most ${MAX_SOURCE_LINES})`] : [];
    });
    expect(long).toEqual([]);
  });

  it('keeps logic out of the files listed as without it', () => {
    // index.ts files may carry one-line wrappers; other listed files must declare no function or class.
    const withLogic = [...NO_LOGIC.keys()].filter((module) => {
      if (module.endsWith('/index.ts') || module.endsWith('/main.ts') || !existsSync(join(root, 'src', module)))
        return false;
      const text = readFileSync(join(root, 'src', module), 'utf8');
      return /^\s*(export\s+)?(async\s+)?(function|class)\b/m.test(text) || /=>\s*\{/.test(text);
    });
    expect(withLogic).toEqual([]);
  });

  it("lists every src folder in the README's folder table, and no other", () => {
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^\| `src\/([a-z-]+)` \|/gm)].map((match) => match[1]).sort();
    expect(folders.length).toBeGreaterThan(10);
    expect(listed).toEqual(folders);
  });
});
