import { describe, expect, it } from 'vitest';
import { formatWarning, isKnownKafkaClientNoise } from '../../src/cli/process-warnings.js';

function warning(name: string, message: string, stack: string): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = stack;
  return error;
}

const fromKafkajs = warning(
  'TimeoutNegativeWarning',
  '-1796 is a negative number.\nTimeout duration was set to 1.',
  'TimeoutNegativeWarning: -1796 is a negative number.\n    at setTimeout (node:timers:125:19)\n' +
    '    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)',
);

describe('process warnings', () => {
  it("drops kafkajs's negative-timeout warning and nothing else", () => {
    expect(isKnownKafkaClientNoise(fromKafkajs)).toBe(true);
    const ours = warning(
      'TimeoutNegativeWarning',
      '-1 is a negative number.',
      'at setTimeout\n    at /app/dist/src/x.js',
    );
    expect(isKnownKafkaClientNoise(ours)).toBe(false);
    const other = warning('DeprecationWarning', 'Buffer() is deprecated', 'at /app/node_modules/kafkajs/src/y.js');
    expect(isKnownKafkaClientNoise(other)).toBe(false);
  });

  it('prints the others as Node does, with the stack only under --trace-warnings', () => {
    const other = warning('ExperimentalWarning', 'VM Modules are experimental', 'ExperimentalWarning: VM\n    at x');
    expect(formatWarning(other, 42, false)).toBe('(node:42) ExperimentalWarning: VM Modules are experimental\n');
    expect(formatWarning(other, 42, true)).toBe('(node:42) ExperimentalWarning: VM\n    at x\n');
  });
});
