import { parseArgs } from 'node:util';

/** Wrong command-line use: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export function parseConfigFlag(args: string[]): { config: string } {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  if (values.config === undefined) throw new UsageError('--config FILE is required');
  return { config: values.config };
}
