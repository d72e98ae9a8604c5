import { describe, expect, it } from 'vitest';
import { parseCheckConfigFlags, parseRunFlags, UsageError } from '../../src/cli/args.js';

describe('command-line flags', () => {
  it('take --config or -c, and --online for check-config', () => {
    expect(parseCheckConfigFlags(['--config', 'a.yaml'])).toEqual({ config: 'a.yaml', online: false });
    expect(parseCheckConfigFlags(['-c', 'b.yaml'])).toEqual({ config: 'b.yaml', online: false });
    expect(parseCheckConfigFlags(['-c', 'b.yaml', '--online'])).toEqual({ config: 'b.yaml', online: true });
    expect(parseCheckConfigFlags(['--online', '--config', 'c.yaml'])).toEqual({ config: 'c.yaml', online: true });
    expect(() => parseCheckConfigFlags([])).toThrow(UsageError);
    expect(() => parseCheckConfigFlags(['--online'])).toThrow('--config FILE is required');
    // Node's parseArgs refuses unknown flags with a TypeError carrying a code, which main.ts maps to exit 2.
    expect(() => parseCheckConfigFlags(['-c', 'a.yaml', '--shards', 'x'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }) as Error,
    );
    // A boolean flag takes no value.
    expect(() => parseCheckConfigFlags(['-c', 'a.yaml', '--online=yes'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' }) as Error,
    );
  });

  it('take --shards for run, refusing an empty list', () => {
    expect(parseRunFlags(['-c', 'a.yaml'])).toEqual({ config: 'a.yaml' });
    expect(parseRunFlags(['-c', 'a.yaml', '--shards', 'emea,amer'])).toEqual({ config: 'a.yaml', shards: 'emea,amer' });
    expect(() => parseRunFlags(['-c', 'a.yaml', '--shards', ' '])).toThrow(/--shards needs a comma-separated list/);
    expect(() => parseRunFlags(['--shards', 'emea'])).toThrow('--config FILE is required');
  });
});
