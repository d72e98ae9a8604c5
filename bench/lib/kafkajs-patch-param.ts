/**
 * Imported first by the Kafka scenarios, before anything loads kafkajs: installs src/kafka/kafkajs-patches.ts
 * when the scenario's `kafkajsPatches` param (from the context JSON scenario-child.ts receives) asks for it, or,
 * absent, when the scenario's default does. The connector's src/kafka/index.ts installs them in a worker; a bench
 * process that loaded kafkajs first (bench/lib/kafka.ts) would otherwise keep kafkajs as shipped.
 */
import { createRequire } from 'node:module';
import { installKafkajsPatches, type KafkajsPatchOutcome } from '../../src/kafka/kafkajs-patches.js';

const DEFAULT_ON = new Set(['end-to-end']);

function wanted(): boolean {
  const scenario = process.argv[2] ?? '';
  try {
    const context = JSON.parse(process.argv[3] ?? '{}') as { params?: { kafkajsPatches?: unknown } };
    const param = context.params?.kafkajsPatches;
    return typeof param === 'boolean' ? param : DEFAULT_ON.has(scenario);
  } catch {
    return DEFAULT_ON.has(scenario);
  }
}

/**
 * Off means kafkajs as shipped: it is loaded here, before src/kafka/index.ts (which the scenarios reach through
 * src/sink and the worker) could install the patches on its own import.
 */
function loadAsShipped(): 'off' {
  createRequire(import.meta.url)('kafkajs');
  return 'off';
}

/** What happened in this process: installed, or left as shipped (and why). */
export const kafkajsPatches: KafkajsPatchOutcome | 'off' = wanted() ? installKafkajsPatches() : loadAsShipped();
