/**
 * Experiment behind a proposal in BENCHMARKS.md: the CPU one getToken() costs when MSAL answers from its cache,
 * which GraphPresenceClient pays on every Graph request.
 *
 *   npx tsx bench/experiments/token-cost.ts
 */
import { createTokenProvider } from '../../src/auth/index.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import { startGraphSimulator } from '../../src/simulator/index.js';

const simulator = await startGraphSimulator({ userCount: 10, autoChurn: false });
const dispatcher = createHttpDispatcher({ connectionsPerOrigin: 2, extraCaPem: simulator.caCertificatePem });
const tokens = createTokenProvider({
  tenantId: simulator.tenantId,
  clientId: simulator.clientId,
  authorityUrl: new URL(simulator.authorityUrl).origin,
  scope: 'https://graph.microsoft.com/.default',
  credential: { kind: 'secret', clientSecret: simulator.clientSecret },
  dispatcher,
  trustAuthorityHost: true,
});
await tokens.getToken();
const calls = 2000;
for (let round = 0; round < 3; round++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) await tokens.getToken();
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `getToken from MSAL's cache: ${((performance.now() - started) / calls).toFixed(3)} ms wall, ` +
      `${((used.user + used.system) / 1000 / calls).toFixed(3)} ms CPU per call\n`,
  );
}
await dispatcher.close();
await simulator.close();
