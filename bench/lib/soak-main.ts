/**
 * Runs the soak on its own, outside `npm run bench` (which would also start the bench's shared broker, unused by
 * the soak): `node --import tsx bench/lib/soak-main.ts [--quick] [--users N] [--minutes M]`. Prints the table and
 * writes the scenario's result (rows and details) to bench/results/soak-<mode>-<time>.json, beside the series
 * files the scenario writes itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { soak } from '../scenarios/soak.js';
import { formatTable } from './table.js';

// kafkajs prints a notice about its v2 default partitioner on every producer; the connector keeps that default.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

// A stopped soak must not leave its worker, simulator or broker behind: their 'exit' handlers run on process.exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(130));

const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    users: { type: 'string' },
    minutes: { type: 'string' },
  },
  strict: true,
});
const params: Record<string, unknown> = {};
if (values.users !== undefined) params['users'] = Number(values.users);
if (values.minutes !== undefined) params['minutes'] = Number(values.minutes);
mkdirSync(RESULTS_DIR, { recursive: true });
const quick = values.quick ?? false;
const result = await soak({ brokers: [], brokerPid: undefined, quick, resultsDir: RESULTS_DIR, params });
const generatedAt = new Date().toISOString();
const file = join(RESULTS_DIR, `soak-${quick ? 'quick' : 'full'}-${generatedAt.slice(0, 19).replace(/:/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ generatedAt, ...result }, null, 2)}\n`);
const table = result.details['table'];
process.stdout.write(`${typeof table === 'string' ? table : ''}\n\n${formatTable(result.rows)}\nresult: ${file}\n`);
// Lingering kafkajs timers must not keep the finished soak alive.
process.exit(0);
