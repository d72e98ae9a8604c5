import { formatSummary, loadConfig, summarizeConfig } from '../config/index.js';
import { parseConfigFlag } from './args.js';

/** `check-config --config FILE`: validates and summarises without contacting Graph or Kafka. */
export async function runCheckConfig(args: string[]): Promise<number> {
  const { config: file } = parseConfigFlag(args);
  const config = loadConfig({ file });
  process.stdout.write(`${formatSummary(summarizeConfig(config))}\n`);
  return 0;
}
