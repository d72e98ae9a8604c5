import {
  formatProblem,
  formatSummary,
  loadConfig,
  summarizeConfig,
  type ConfigWarning,
  type ConnectorConfig,
} from '../config/index.js';
import { parseCheckConfigFlags } from './args.js';

/**
 * Exit code of a valid configuration whose shards do not fit Graph's request budget over one polling interval.
 * Not 1: the configuration is valid and the connector runs with it, every cycle overrunning its interval; a
 * script tells "fix the file" (1) from "it will fall behind" (3) without parsing the text.
 */
export const EXIT_OVER_BUDGET = 3;

/**
 * `check-config --config FILE [--online]`: validates and summarises without contacting Graph or Kafka. With a
 * discovery section the presence arithmetic of the discovered shards uses `discovery.estimatedUsers`.
 *
 * `--online` then signs in to Entra ID and resolves the discovery sources against Graph (online-check.ts): the
 * users each source returns, the watched set per discovered shard, and the presence arithmetic for that counted
 * population. Exit codes: 0 valid (and, online, every source read); 1 an invalid config, no token, a source that
 * could not be read or a group that does not exist; 2 wrong flags (main.ts); 3 valid, but the shards do not fit
 * the request budget (EXIT_OVER_BUDGET).
 */
export async function runCheckConfig(args: string[]): Promise<number> {
  const { config: file, online } = parseCheckConfigFlags(args);
  const warnings: ConfigWarning[] = [];
  let config: ConnectorConfig;
  try {
    config = loadConfig({ file, onWarning: (warning) => warnings.push(warning) });
  } catch (error) {
    // The error lists the problems (main.ts prints it); a misspelt variable may be the cause of one of them.
    for (const warning of warnings) process.stderr.write(`warning: ${formatProblem(warning)}\n`);
    throw error;
  }
  const summary = summarizeConfig(config);
  summary.warnings.unshift(...warnings.map(formatProblem));
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (!online) return overBudget(summary.budget.fits);
  // Loaded only here: MSAL and the directory client are most of the start-up time of a check that stays offline.
  const { runOnlineCheck } = await import('./online-check.js');
  let discoveredUsers = 0;
  const code = await runOnlineCheck(config, summary, {
    line: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    counted: (watched) => (discoveredUsers = watched),
  });
  if (code !== 0) return code;
  // Online, the discovered population was counted: the verdict covers the shards listed by hand and the discovered ones.
  return overBudget(summarizeConfig(config, { discoveredUsers }).budget.fits);
}

function overBudget(fits: boolean): number {
  if (fits) return 0;
  process.stderr.write(
    `check-config: exit ${EXIT_OVER_BUDGET}: the configuration is valid, but its shards do not fit Graph's request budget (see the warning)\n`,
  );
  return EXIT_OVER_BUDGET;
}
