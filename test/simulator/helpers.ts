/** Shared plumbing for the simulator tests: real HTTPS via undici, trusting the simulator's own certificate. */
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  startGraphSimulator,
  type GraphSimulator,
  type GraphSimulatorOptions,
  type GraphPresence,
  type SimulatorFaults,
} from '../../src/simulator/index.js';

export interface Harness {
  sim: GraphSimulator;
  agent: Agent;
  close(): Promise<void>;
}

export async function startHarness(options: GraphSimulatorOptions = {}): Promise<Harness> {
  const sim = await startGraphSimulator({ autoChurn: false, ...options });
  const agent = new Agent({ connect: { ca: sim.caCertificatePem } });
  return {
    sim,
    agent,
    close: async () => {
      await agent.close();
      await sim.close();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  elapsedMs: number;
}

export async function http(
  harness: Harness,
  method: 'GET' | 'POST',
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const started = performance.now();
  const response = await request(`${harness.sim.graphUrl}${path}`, {
    method,
    dispatcher: harness.agent,
    headers: options.headers ?? {},
    body: options.body ?? null,
  });
  const text = await response.body.text();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  return { status: response.statusCode, headers, text, elapsedMs: performance.now() - started };
}

export async function tokenFor(
  harness: Harness,
  clientId: string = harness.sim.clientId,
  clientSecret: string = harness.sim.clientSecret,
): Promise<string> {
  const result = await tokenRequest(harness, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  if (result.status !== 200) throw new Error(`token request failed: ${result.status} ${result.text}`);
  return (JSON.parse(result.text) as { access_token: string }).access_token;
}

export function tokenRequest(
  harness: Harness,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return http(harness, 'POST', `/${harness.sim.tenantId}/oauth2/v2.0/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export function postPresences(
  harness: Harness,
  token: string | null,
  body: unknown,
  options: { version?: 'v1.0' | 'beta'; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return http(harness, 'POST', `/${options.version ?? 'v1.0'}/communications/getPresencesByUserId`, {
    headers,
    body: text,
  });
}

export interface PresencePage {
  '@odata.context': string;
  value: GraphPresence[];
}

export function page(result: HttpResult): PresencePage {
  return JSON.parse(result.text) as PresencePage;
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function graphErrorBody(result: HttpResult): GraphErrorBody {
  return JSON.parse(result.text) as GraphErrorBody;
}

/** Presences of the given users, fetched over HTTP, keyed by id. */
export async function fetchPresences(
  harness: Harness,
  token: string,
  ids: string[],
): Promise<Map<string, GraphPresence>> {
  const result = await postPresences(harness, token, { ids });
  if (result.status !== 200) throw new Error(`presence request failed: ${result.status} ${result.text}`);
  return new Map(page(result).value.map((presence) => [presence.id, presence]));
}

/**
 * One simulator for a describe block whose tests inject faults: 2,000 users, a budget no test reaches, a token,
 * and the faults reset after every test. Read `harness` and `token` inside tests and hooks (set in beforeAll).
 */
export function faultInjectionHarness(): {
  readonly harness: Harness;
  readonly token: string;
  /** A new token for the rest of the block, after a test revoked the old one. */
  renewToken(): Promise<string>;
  ids(count: number, from?: number): string[];
} {
  let harness: Harness | undefined;
  let token = '';
  let defaults: SimulatorFaults | undefined;
  beforeAll(async () => {
    harness = await startHarness({ userCount: 2000, budget: { requests: 100_000 } });
    token = await tokenFor(harness);
    defaults = harness.sim.faults();
  });
  afterEach(() => {
    if (defaults !== undefined) harness?.sim.setFaults(defaults);
  });
  afterAll(() => harness?.close());
  const started = (): Harness => {
    if (harness === undefined) throw new Error('the fault-injection harness is used before beforeAll ran');
    return harness;
  };
  return {
    get harness() {
      return started();
    },
    get token() {
      return token;
    },
    renewToken: async () => {
      token = await tokenFor(started());
      return token;
    },
    ids: (count, from = 0) => Array.from({ length: count }, (_, i) => started().sim.userIdAt(from + i)),
  };
}

/** A directory page as Graph sends it: a nextLink or a deltaLink, and the objects. */
export interface DirectoryBody {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Record<string, unknown>[];
}

/** GET with a bearer token (none when null). */
export function graphGet(
  harness: Harness,
  token: string | null,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const all = token === null ? headers : { authorization: `Bearer ${token}`, ...headers };
  return http(harness, 'GET', path, { headers: all });
}

/** The path and query of a link the simulator handed out. */
export function pathOf(harness: Harness, link: string): string {
  if (!link.startsWith(harness.sim.graphUrl)) throw new Error(`not a simulator link: ${link}`);
  return link.slice(harness.sim.graphUrl.length);
}

export function directoryBody(result: HttpResult): DirectoryBody {
  if (result.status !== 200) throw new Error(`directory request failed: ${result.status} ${result.text}`);
  return JSON.parse(result.text) as DirectoryBody;
}

/** Follows nextLinks from `path` to the page with the deltaLink (or, for listings, the last page). */
export async function readRound(
  harness: Harness,
  token: string,
  path: string,
): Promise<{ pages: DirectoryBody[]; values: Record<string, unknown>[]; deltaLink: string | null }> {
  const pages: DirectoryBody[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const body = directoryBody(await graphGet(harness, token, next));
    pages.push(body);
    if (pages.length > 10_000) throw new Error('a round that never ends');
    next = body['@odata.nextLink'] === undefined ? undefined : pathOf(harness, body['@odata.nextLink']);
  }
  return {
    pages,
    values: pages.flatMap((body) => body.value),
    deltaLink: pages.at(-1)?.['@odata.deltaLink'] ?? null,
  };
}

/** `$filter=id eq '<id>'`, encoded for a URL. */
export function idFilter(...ids: string[]): string {
  return encodeURIComponent(ids.map((id) => `id eq '${id}'`).join(' or '));
}
