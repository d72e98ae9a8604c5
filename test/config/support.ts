/** Temp-dir fixtures and problem helpers for the config tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { isConnectorError } from '../../src/errors.js';
import {
  formatProblem,
  loadConfig,
  type ConfigProblem,
  type ConnectorConfig,
  type LoadConfigOptions,
} from '../../src/config/index.js';

const created: string[] = [];

/** A fresh directory under os.tmpdir(); removed by `removeTempDirs`. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'presence-config-test-'));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes files (name -> content) into `dir`, creating subdirectories. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Deterministic GUIDs: guid(1) = 00000001-0000-4000-8000-000000000001. */
export function guid(n: number): string {
  const hex = n.toString(16);
  return `${hex.padStart(8, '0')}-0000-4000-8000-${hex.padStart(12, '0')}`;
}

export const CLIENT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const SECRET_VALUE = 'very-secret-client-secret~value';
export const SECRET_ENV = { PRESENCE_TENANT_CLIENT_SECRET: SECRET_VALUE };

/** Lines of a valid minimal config (line numbers in comments). */
export function minimalLines(users: string[] = [guid(1), guid(2)]): string[] {
  return [
    'tenant:', // 1
    '  id: contoso.onmicrosoft.com', // 2
    `  clientId: ${CLIENT_ID}`, // 3
    'kafka:', // 4
    '  brokers: [localhost:9092]', // 5
    'shards:', // 6
    '  - name: emea', // 7
    `    users: [${users.join(', ')}]`, // 8
  ];
}

export interface Loaded {
  dir: string;
  load(options?: Partial<LoadConfigOptions>): ConnectorConfig;
  /** Runs the load expecting CONFIG_INVALID; returns the problems. */
  problems(options?: Partial<LoadConfigOptions>): ConfigProblem[];
  /** Same, formatted one per line as the error message prints them. */
  lines(options?: Partial<LoadConfigOptions>): string[];
  message(options?: Partial<LoadConfigOptions>): string;
}

/**
 * Writes `config.yaml` (lines joined by newlines) and extra files to a temp dir; loads with `cwd` = that dir and
 * `file` = 'config.yaml', so problems read `config.yaml:LINE:COLUMN`. The env defaults to a client secret.
 */
export function fixture(
  config: string | string[],
  files: Record<string, string> = {},
  env: Record<string, string> = SECRET_ENV,
): Loaded {
  const dir = tempDir();
  writeFiles(dir, { 'config.yaml': Array.isArray(config) ? `${config.join('\n')}\n` : config, ...files });
  const options = (overrides: Partial<LoadConfigOptions> = {}): LoadConfigOptions => ({
    file: 'config.yaml',
    cwd: dir,
    env,
    ...overrides,
  });
  const failure = (overrides?: Partial<LoadConfigOptions>) => {
    try {
      loadConfig(options(overrides));
    } catch (error) {
      if (isConnectorError(error, 'CONFIG_INVALID')) return error;
      throw error;
    }
    throw new Error('expected loadConfig to throw CONFIG_INVALID');
  };
  const problemsOf = (overrides?: Partial<LoadConfigOptions>): ConfigProblem[] => {
    const problems = failure(overrides).details.problems;
    expect(Array.isArray(problems)).toBe(true);
    return problems as ConfigProblem[];
  };
  return {
    dir,
    load: (overrides) => loadConfig(options(overrides)),
    problems: problemsOf,
    lines: (overrides) => problemsOf(overrides).map(formatProblem),
    message: (overrides) => failure(overrides).message,
  };
}
