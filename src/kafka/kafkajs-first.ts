/**
 * Replaces two slow kafkajs functions (kafkajs-patches.ts) on import. It must be evaluated before any module that
 * loads kafkajs, so src/kafka/index.ts imports it first; if kafkajs was loaded earlier (a caller importing kafkajs
 * itself first), kafkajs stays as shipped and `kafkajsPatchOutcome` says so.
 */
import { installKafkajsPatches, type KafkajsPatchOutcome } from './kafkajs-patches.js';

export const kafkajsPatchOutcome: KafkajsPatchOutcome = installKafkajsPatches();
