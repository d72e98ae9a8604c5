import { parseArgs } from 'node:util';

/** Wrong command-line use: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export interface CheckConfigFlags {
  config: string;
  /** --online: also resolve the discovery sources against Graph (no presence request, nothing written to Kafka). */
  online: boolean;
}

export function parseCheckConfigFlags(args: string[]): CheckConfigFlags {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, online: { type: 'boolean' } },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('--config FILE is required');
  return { config: values.config, online: values.online === true };
}

export interface RunFlags {
  config: string;
  /** --shards a,b: poll exactly these shards (static assignment), overriding the config. */
  shards?: string;
}

export function parseRunFlags(args: string[]): RunFlags {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, shards: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('--config FILE is required');
  if (values.shards !== undefined && values.shards.trim() === '')
    throw new UsageError('--shards needs a comma-separated list of shard names');
  return { config: values.config, ...(values.shards === undefined ? {} : { shards: values.shards }) };
}
