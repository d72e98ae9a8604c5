/**
 * Drives the simulator's presence endpoint as hard as a few connections can, with full 650-id requests, and
 * reports both sides' CPU per request. Shared by the simulator-throughput scenario and the stand-alone script
 * bench/simulator-throughput.ts (formerly test/simulator/measure-throughput.ts).
 */
import { Pool } from 'undici';
import { userIdAt } from '../../src/simulator/index.js';
import { processCpuSeconds, selfCpuSeconds } from './proc.js';
import { startSimulatorProcess } from './simulator-process.js';

const BODIES = 256;
const IDS_PER_REQUEST = 650;

export interface SimulatorLoadOptions {
  users: number;
  seconds: number;
  connections: number;
  http: boolean;
  /** Also JSON.parse every body, as the connector must: the client-side floor of one Graph request. */
  parse: boolean;
}

export interface SimulatorLoadResult {
  users: number;
  connections: number;
  protocol: 'http' | 'https';
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  presencesPerSecond: number;
  megabytesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  statuses: Record<number, number>;
  /** The simulator process's CPU per request; null off Linux. */
  simulatorCpuMsPerRequest: number | null;
  /** This process's CPU per request: undici, TLS, reading the body (and parsing it with `parse`). */
  clientCpuMsPerRequest: number;
}

export async function loadSimulator(options: SimulatorLoadOptions): Promise<SimulatorLoadResult> {
  const simulator = await startSimulatorProcess({
    userCount: options.users,
    autoChurn: false,
    tls: !options.http,
    budget: { requests: 10_000_000, windowSeconds: 1 },
  });
  const pool = new Pool(simulator.info.graphUrl, {
    connections: options.connections,
    connect: { ca: simulator.info.caCertificatePem },
  });
  try {
    const accessToken = await token(pool, simulator.info);
    const bodies = Array.from({ length: BODIES }, () =>
      JSON.stringify({
        ids: Array.from({ length: IDS_PER_REQUEST }, () => userIdAt(Math.floor(Math.random() * options.users))),
      }),
    );
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    let bytes = 0;
    let next = 0;
    const deadline = performance.now() + options.seconds * 1000;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const body = bodies[next++ % BODIES] ?? '';
        const start = performance.now();
        const response = await pool.request({
          method: 'POST',
          path: '/v1.0/communications/getPresencesByUserId',
          headers,
          body,
        });
        const text = await response.body.text();
        if (options.parse) JSON.parse(text);
        latencies.push(performance.now() - start);
        bytes += text.length;
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      }
    };
    const simulatorBefore = processCpuSeconds(simulator.pid);
    const clientBefore = selfCpuSeconds();
    const begin = performance.now();
    await Promise.all(Array.from({ length: options.connections }, lane));
    const elapsed = (performance.now() - begin) / 1000;
    const clientCpu = selfCpuSeconds() - clientBefore;
    const simulatorAfter = processCpuSeconds(simulator.pid);
    latencies.sort((a, b) => a - b);
    const percentile = (p: number): number =>
      Math.round((latencies[Math.floor((latencies.length - 1) * p)] ?? 0) * 10) / 10;
    const count = latencies.length;
    return {
      users: options.users,
      connections: options.connections,
      protocol: options.http ? 'http' : 'https',
      seconds: Math.round(elapsed * 10) / 10,
      requests: count,
      requestsPerSecond: Math.round(count / elapsed),
      presencesPerSecond: Math.round((count * IDS_PER_REQUEST) / elapsed),
      megabytesPerSecond: Math.round(bytes / elapsed / 1e5) / 10,
      latencyP50Ms: percentile(0.5),
      latencyP99Ms: percentile(0.99),
      statuses,
      simulatorCpuMsPerRequest:
        simulatorBefore === null || simulatorAfter === null
          ? null
          : Math.round(((simulatorAfter - simulatorBefore) * 1e5) / count) / 100,
      clientCpuMsPerRequest: Math.round((clientCpu * 1e5) / count) / 100,
    };
  } finally {
    await pool.close();
    await simulator.close();
  }
}

async function token(pool: Pool, info: { tenantId: string; clientId: string; clientSecret: string }): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: info.clientId,
    client_secret: info.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  const response = await pool.request({
    method: 'POST',
    path: `/${info.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return ((await response.body.json()) as { access_token: string }).access_token;
}
