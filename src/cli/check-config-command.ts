import { formatSummary, loadConfig, summarizeConfig } from '../config/index.js';
import { parseCheckConfigFlags } from './args.js';

/**
 * `check-config --config FILE [--online]`: validates and summarises without contacting Graph or Kafka. With a
 * discovery section the presence arithmetic of the discovered shards uses `discovery.estimatedUsers`.
 *
 * `--online` then signs in to Entra ID and resolves the discovery sources against Graph (online-check.ts): the
 * users each source returns, the watched set per discovered shard, and the presence arithmetic for that counted
 * population. Exit codes: 0 valid (and, online, every source read); 1 an invalid config, no token, a source that
 * could not be read or a group that does not exist; 2 wrong flags (main.ts).
 */
export async function runCheckConfig(args: string[]): Promise<number> {
  const { config: file, online } = parseCheckConfigFlags(args);
  const config = loadConfig({ file });
  const summary = summarizeConfig(config);
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (!online) return 0;
  // Loaded only here: MSAL and the directory client are most of the start-up time of a check that stays offline.
  const { runOnlineCheck } = await import('./online-check.js');
  return runOnlineCheck(config, summary, {
    line: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
  });
}
