/**
 * Measures the presence endpoint: requests/s for full 650-id requests against a large population.
 * The simulator runs in its own process (as in a benchmark), the load generator here.
 *
 *   npx tsx test/simulator/measure-throughput.ts [--users 1000000] [--seconds 10] [--connections 16] [--http]
 *
 * Not a vitest file (no `.test.`): it takes longer than the unit suite should.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { userIdAt } from '../../src/simulator/index.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    http: { type: 'boolean', default: false },
  },
});
const users = Number(values.users);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const BODIES = 256;
const IDS_PER_REQUEST = 650;

interface Started {
  graphUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caPath: string;
  pid: number;
  stop: () => void;
}

/** CPU seconds (user + system) a process has used so far; Linux only, null elsewhere. */
async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function startSimulatorProcess(): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-bench-'));
  const caPath = join(dir, 'ca.pem');
  const args = ['--import', 'tsx', 'src/simulator/main.ts', '--users', String(users), '--budget', '10000000/1s', '--ca-out', caPath];
  if (values.http) args.push('--http');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('CA certificate')) resolve();
    });
  });
  const field = (name: string): string => new RegExp(`${name}\\s+(\\S+)`).exec(output)?.[1] ?? '';
  return {
    graphUrl: field('Graph URL'),
    tenantId: field('Tenant id'),
    clientId: field('Client id'),
    clientSecret: field('Client secret'),
    caPath,
    pid: child.pid ?? 0,
    stop: () => child.kill('SIGTERM'),
  };
}

function randomBodies(): string[] {
  return Array.from({ length: BODIES }, () =>
    JSON.stringify({ ids: Array.from({ length: IDS_PER_REQUEST }, () => userIdAt(Math.floor(Math.random() * users))) }),
  );
}

async function token(pool: Pool, started: Started): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: started.clientId,
    client_secret: started.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  const response = await pool.request({
    method: 'POST',
    path: `/${started.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return ((await response.body.json()) as { access_token: string }).access_token;
}

async function main(): Promise<void> {
  const started = await startSimulatorProcess();
  const ca = await readFile(started.caPath, 'utf8');
  const pool = new Pool(started.graphUrl, { connections, connect: { ca } });
  const accessToken = await token(pool, started);
  const bodies = randomBodies();
  const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let bytes = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = bodies[next++ % BODIES] ?? '';
      const start = performance.now();
      const response = await pool.request({ method: 'POST', path: '/v1.0/communications/getPresencesByUserId', headers, body });
      const text = await response.body.text();
      latencies.push(performance.now() - start);
      bytes += text.length;
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
  };
  const cpuBefore = await cpuSeconds(started.pid);
  const begin = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - begin) / 1000;
  const cpuAfter = await cpuSeconds(started.pid);
  // Independent of what else runs on the machine: how many requests one fully available core could serve.
  const serverCpu =
    cpuBefore === null || cpuAfter === null
      ? ''
      : `\n  simulator CPU ${(((cpuAfter - cpuBefore) * 1000) / latencies.length).toFixed(2)} ms/request ` +
        `(~${(latencies.length / (cpuAfter - cpuBefore)).toFixed(0)} requests per CPU-second)`;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): string => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(1);
  process.stdout.write(
    `${users} users, ${IDS_PER_REQUEST} ids/request, ${connections} connections, ${values.http ? 'http' : 'https'}, ${elapsed.toFixed(1)} s\n` +
      `  ${(latencies.length / elapsed).toFixed(0)} requests/s, ${((latencies.length * IDS_PER_REQUEST) / elapsed).toFixed(0)} presences/s, ` +
      `${(bytes / elapsed / 1e6).toFixed(1)} MB/s, latency p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}${serverCpu}\n`,
  );
  await pool.close();
  started.stop();
}

await main();
