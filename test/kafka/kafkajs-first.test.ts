import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { kafkajsPatchOutcome } from '../../src/kafka/kafkajs-first.js';
import { groupMessagesPerPartition } from '../../src/kafka/kafkajs-patches.js';

const require = createRequire(import.meta.url);

describe('kafkajs-first', () => {
  it('puts the replacements in place on import unless kafkajs was loaded before it', () => {
    // Unit test files share worker threads: another file may have loaded kafkajs before this one.
    expect(['installed', 'already-installed', 'kafkajs-loaded-first']).toContain(kafkajsPatchOutcome);
    const grouping: unknown = require('kafkajs/src/producer/groupMessagesPerPartition.js');
    if (kafkajsPatchOutcome === 'kafkajs-loaded-first') expect(grouping).not.toBe(groupMessagesPerPartition);
    else expect(grouping).toBe(groupMessagesPerPartition);
  });
});
