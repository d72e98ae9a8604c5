/**
 * Experiment behind a proposal in BENCHMARKS.md: the CPU one getToken() costs, which GraphPresenceClient pays twice
 * on every Graph request. Before: every call went through MSAL's cache (acquireTokenByClientCredential answering
 * from memory), measured here on a ConfidentialClientApplication built as the token provider builds it. After: the
 * token provider keeps the token itself until MSAL's refresh margin, so a call is a clock read and a comparison.
 *
 *   npx tsx bench/experiments/token-cost.ts
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createMsalNetworkClient, createTokenProvider } from '../../src/auth/index.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import { startGraphSimulator } from '../../src/simulator/index.js';

const simulator = await startGraphSimulator({ userCount: 10, autoChurn: false });
const dispatcher = createHttpDispatcher({ connectionsPerOrigin: 2, extraCaPem: simulator.caCertificatePem });
const authorityUrl = new URL(simulator.authorityUrl).origin;
const scope = 'https://graph.microsoft.com/.default';
const tokens = createTokenProvider({
  tenantId: simulator.tenantId,
  clientId: simulator.clientId,
  authorityUrl,
  scope,
  credential: { kind: 'secret', clientSecret: simulator.clientSecret },
  dispatcher,
  trustAuthorityHost: true,
});
const msal = new ConfidentialClientApplication({
  auth: {
    clientId: simulator.clientId,
    authority: `${authorityUrl}/${simulator.tenantId}`,
    knownAuthorities: [simulator.authorityHost],
    clientSecret: simulator.clientSecret,
  },
  system: { networkClient: createMsalNetworkClient(dispatcher) },
});
const fromMsal = async (): Promise<string> => {
  const result = await msal.acquireTokenByClientCredential({ scopes: [scope] });
  return result?.accessToken ?? '';
};
await tokens.getToken();
await fromMsal();

const calls = 20_000;
async function measure(name: string, getToken: () => Promise<string>): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) await getToken();
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / calls;
  process.stdout.write(
    `${name}: ${((performance.now() - started) / calls).toFixed(4)} ms wall, ${cpuMs.toFixed(4)} ms CPU per call\n`,
  );
  return cpuMs;
}

for (let round = 0; round < 3; round++) {
  const before = await measure("MSAL's cache (before)", fromMsal);
  const after = await measure('TokenProvider cache (after)', () => tokens.getToken());
  process.stdout.write(`  round ${round + 1}: after / before = ${(after / before).toFixed(4)}\n`);
}
process.stdout.write(`token requests to Entra ID: ${simulator.recording.counters().tokenRequests}\n`);
await dispatcher.close();
await simulator.close();
