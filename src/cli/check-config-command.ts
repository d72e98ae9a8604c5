import { formatSummary, loadConfig, summarizeConfig } from '../config/index.js';
import { parseConfigFlag } from './args.js';

/**
 * `check-config --config FILE`: validates and summarises without contacting Graph or Kafka. With a discovery
 * section the presence arithmetic of the discovered shards uses `discovery.estimatedUsers`; a later
 * `check-config --online` is to count the users against Graph and pass them as `summarizeConfig`'s
 * `discoveredUsers`, which wins over the estimate.
 */
export async function runCheckConfig(args: string[]): Promise<number> {
  const { config: file } = parseConfigFlag(args);
  const config = loadConfig({ file });
  process.stdout.write(`${formatSummary(summarizeConfig(config))}\n`);
  return 0;
}
