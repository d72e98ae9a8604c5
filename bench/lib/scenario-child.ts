/**
 * Entry of one scenario's child process: `node --expose-gc --import tsx scenario-child.ts <name> <context JSON>`.
 * A process per scenario keeps each one's CPU (process.cpuUsage) and memory figures free of the others' leftovers.
 */
import type { Scenario, ScenarioContext, ScenarioMessage } from './scenario.js';

// kafkajs prints a notice about its v2 default partitioner on every producer; the connector keeps that default.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const scenarios: Record<string, () => Promise<Scenario>> = {
  'kafka-ceiling': async () => (await import('../scenarios/kafka-ceiling.js')).kafkaCeiling,
  'end-to-end': async () => (await import('../scenarios/end-to-end.js')).endToEnd,
  'prefill-state': async () => (await import('../scenarios/prefill-state.js')).prefillState,
  scale: async () => (await import('../scenarios/scale.js')).scale,
  'graph-budget': async () => (await import('../scenarios/graph-budget.js')).graphBudget,
  'state-memory': async () => (await import('../scenarios/state-memory.js')).stateMemory,
  'simulator-throughput': async () => (await import('../scenarios/simulator-throughput.js')).simulatorThroughput,
  discovery: async () => (await import('../scenarios/discovery.js')).discovery,
  freshness: async () => (await import('../scenarios/freshness.js')).freshness,
  takeover: async () => (await import('../scenarios/takeover.js')).takeover,
  'adaptive-rate': async () => (await import('../scenarios/adaptive-rate.js')).adaptiveRate,
  soak: async () => (await import('../scenarios/soak.js')).soak,
};

function send(message: ScenarioMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message, null, 2)}\n`, () => resolve());
      return;
    }
    process.send(message, undefined, undefined, () => resolve());
  });
}

const name = process.argv[2] ?? '';
const context = JSON.parse(process.argv[3] ?? '{}') as ScenarioContext;
const load = scenarios[name];
try {
  if (load === undefined) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(scenarios).join(', ')}`);
  const result = await (await load())(context);
  await send({ kind: 'result', result });
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  await send({ kind: 'error', message: failure.message, stack: failure.stack });
  process.exitCode = 1;
}
// Lingering kafkajs timers or sockets must not keep a finished scenario alive once its result is delivered.
process.exit();
