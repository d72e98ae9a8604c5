import { describe, expect, it } from 'vitest';
import { parseConfigFlag, parseRunFlags, UsageError } from '../../src/cli/args.js';

describe('command-line flags', () => {
  it('take --config or -c', () => {
    expect(parseConfigFlag(['--config', 'a.yaml'])).toEqual({ config: 'a.yaml' });
    expect(parseConfigFlag(['-c', 'b.yaml'])).toEqual({ config: 'b.yaml' });
    expect(() => parseConfigFlag([])).toThrow(UsageError);
    expect(() => parseConfigFlag([])).toThrow('--config FILE is required');
    // Node's parseArgs refuses unknown flags with a TypeError carrying a code, which main.ts maps to exit 2.
    expect(() => parseConfigFlag(['-c', 'a.yaml', '--shards', 'x'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }) as Error,
    );
  });

  it('take --shards for run, refusing an empty list', () => {
    expect(parseRunFlags(['-c', 'a.yaml'])).toEqual({ config: 'a.yaml' });
    expect(parseRunFlags(['-c', 'a.yaml', '--shards', 'emea,amer'])).toEqual({ config: 'a.yaml', shards: 'emea,amer' });
    expect(() => parseRunFlags(['-c', 'a.yaml', '--shards', ' '])).toThrow(/--shards needs a comma-separated list/);
    expect(() => parseRunFlags(['--shards', 'emea'])).toThrow('--config FILE is required');
  });
});
