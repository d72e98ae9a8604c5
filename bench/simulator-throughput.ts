/**
 * Measures the simulator's presence endpoint: requests/s for full 650-id requests against a large population,
 * with the simulator in its own process and the load generator here, and the CPU each side spends per request.
 * (Moved here from test/simulator/measure-throughput.ts; `npm run bench` runs the same measurement as a step.)
 *
 *   npx tsx bench/simulator-throughput.ts [--users 1000000] [--seconds 10] [--connections 16] [--http] [--parse]
 */
import { parseArgs } from 'node:util';
import { loadSimulator } from './lib/simulator-load.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    http: { type: 'boolean', default: false },
    parse: { type: 'boolean', default: false },
  },
});
const result = await loadSimulator({
  users: Number(values.users),
  seconds: Number(values.seconds),
  connections: Number(values.connections),
  http: values.http ?? false,
  parse: values.parse ?? false,
});
process.stdout.write(
  `${result.users} users, 650 ids/request, ${result.connections} connections, ${result.protocol}, ${result.seconds} s\n` +
    `  ${result.requestsPerSecond} requests/s, ${result.presencesPerSecond} presences/s, ${result.megabytesPerSecond} MB/s, ` +
    `latency p50 ${result.latencyP50Ms} ms p99 ${result.latencyP99Ms} ms, statuses ${JSON.stringify(result.statuses)}\n` +
    `  simulator CPU ${result.simulatorCpuMsPerRequest ?? '?'} ms/request, client CPU ${result.clientCpuMsPerRequest} ms/request` +
    `${values.parse === true ? ' (body read and JSON.parse included)' : ' (body read, not parsed)'}\n`,
);
