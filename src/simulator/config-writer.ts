/**
 * `simulate --write-config DIR`: what `run` and `tail` need to use the running simulator, written into one folder:
 * connector.yaml (relative paths, so the folder can move), users.txt, the client secret and the certificate with its
 * key. Each file is written to a temporary name and renamed, so a connector starting meanwhile reads a whole file.
 */
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_BUDGET_REQUESTS, DEFAULT_BUDGET_WINDOW_SECONDS, MAX_IDS_PER_REQUEST } from './options.js';
import type { GraphSimulator } from './simulator-handle.js';
import { CA_FILE_NAME, KEY_FILE_NAME } from './tls-store.js';
import type { TlsMaterial } from './tls.js';

export const CONFIG_FILE_NAME = 'connector.yaml';
export const USERS_FILE_NAME = 'users.txt';
export const SECRET_FILE_NAME = 'graph-client-secret';
/** The default of `tail` too, and what `npm run broker -- --port 9092` serves. */
export const DEFAULT_CONFIG_BROKERS = ['localhost:9092'];

const MIN_INTERVAL_SECONDS = 5;
const USERS_PER_WRITE = 50_000;

export interface ConfigTarget {
  /** The folder, as given on the command line (the printed paths keep its form). */
  dir: string;
  brokers: string[];
}

/** The connector config for `simulator`: one shard with every simulated user, polled as often as the budget allows. */
export function simulatorConnectorConfig(
  simulator: Pick<GraphSimulator, 'tenantId' | 'clientId' | 'graphUrl' | 'authorityUrl' | 'userCount'>,
  brokers: string[],
  budget: { requests?: number; windowSeconds?: number } = {},
): string {
  const requests = budget.requests ?? DEFAULT_BUDGET_REQUESTS;
  const windowSeconds = Math.ceil(budget.windowSeconds ?? DEFAULT_BUDGET_WINDOW_SECONDS);
  const perCycle = Math.ceil(simulator.userCount / MAX_IDS_PER_REQUEST);
  // Half the budget at most, leaving room for retries; never faster than every few seconds.
  const intervalSeconds = Math.max(MIN_INTERVAL_SECONDS, Math.ceil((2 * perCycle * windowSeconds) / requests));
  const customBudget = budget.requests !== undefined || budget.windowSeconds !== undefined;
  const document = {
    connectorName: 'presence-simulator',
    tenant: { id: simulator.tenantId, clientId: simulator.clientId, clientSecretFile: SECRET_FILE_NAME },
    graph: {
      cloud: 'custom',
      graphUrl: simulator.graphUrl,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      caFile: CA_FILE_NAME,
      ...(customBudget ? { requestBudget: { maxRequests: requests, windowSeconds } } : {}),
    },
    kafka: { brokers, topic: 'teams.presence.changes' },
    polling: { intervalSeconds, startJitterSeconds: 0 },
    shards: [{ name: 'simulated', usersFile: USERS_FILE_NAME }],
  };
  const header = [
    `Written by \`simulate --write-config\` for the Graph simulator at ${simulator.graphUrl}.`,
    'Each start of the simulator with this folder rewrites this file, users.txt and graph-client-secret. It keeps',
    `the port and the certificate (${CA_FILE_NAME}, ${KEY_FILE_NAME}), so a connector started earlier goes on`,
    'working; when the port or the certificate had to change, the simulator says so: restart the connector.',
  ];
  return `${header.map((line) => `# ${line}`).join('\n')}\n${stringify(document)}`;
}

/** The port of the simulator that last wrote `dir`'s config, to listen there again; undefined when unknown. */
export async function previousPort(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CONFIG_FILE_NAME), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const document: unknown = parse(text);
    const graph = isRecord(document) ? document['graph'] : undefined;
    const url = isRecord(graph) ? graph['graphUrl'] : undefined;
    if (typeof url !== 'string') return undefined;
    const port = Number(new URL(url).port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    // Edited by hand into something else: start on a free port, as without a previous config.
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function replaceFile(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
}

/** One id a line, written in chunks: 5 million users are about 185 MB, which need not sit in one string. */
async function writeUsers(file: string, simulator: Pick<GraphSimulator, 'userCount' | 'userIdAt'>): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o644);
  try {
    for (let start = 0; start < simulator.userCount; start += USERS_PER_WRITE) {
      const end = Math.min(start + USERS_PER_WRITE, simulator.userCount);
      const lines: string[] = [];
      for (let index = start; index < end; index++) lines.push(simulator.userIdAt(index));
      await handle.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

export interface WrittenConfig {
  configFile: string;
  usersFile: string;
  secretFile: string;
  caFile: string;
}

/** Writes the folder for the running `simulator`; `tls` is the pair it serves (stored for the next start). */
export async function writeSimulatorConfig(
  target: ConfigTarget,
  simulator: GraphSimulator,
  tls: TlsMaterial,
  budget: { requests?: number; windowSeconds?: number } = {},
): Promise<WrittenConfig> {
  const path = (name: string): string => join(target.dir, name);
  // The folder holds a secret and a private key: only its owner may list it when it is created here.
  await mkdir(target.dir, { recursive: true, mode: 0o700 });
  await replaceFile(path(KEY_FILE_NAME), tls.keyPem, 0o600);
  await replaceFile(path(CA_FILE_NAME), tls.certPem, 0o644);
  await replaceFile(path(SECRET_FILE_NAME), simulator.clientSecret, 0o600);
  await writeUsers(path(USERS_FILE_NAME), simulator);
  await replaceFile(path(CONFIG_FILE_NAME), simulatorConnectorConfig(simulator, target.brokers, budget), 0o644);
  return {
    configFile: path(CONFIG_FILE_NAME),
    usersFile: path(USERS_FILE_NAME),
    secretFile: path(SECRET_FILE_NAME),
    caFile: path(CA_FILE_NAME),
  };
}
