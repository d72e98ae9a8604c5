/**
 * Runs a local Apicurio Registry in the foreground for manual testing, e.g. beside `npm run broker`:
 *
 *   npm run registry                                       # free ports; prints the Confluent-compatible URL
 *   npx tsx scripts/registry/start-registry.ts [--port 8081] [--management-port 9001] [--version 3.3.3]
 *   npx tsx scripts/registry/start-registry.ts --resolve-only   # only fetch and unpack (CI warm-up)
 *
 * Prints the registry URL on stdout (alone on a line, for scripts) and stops the registry on SIGINT/SIGTERM.
 * Progress goes to stderr. Exits with NO_JAVA_EXIT_CODE when no Java 21+ is found, so that CI can tell that case
 * (the registry tests then skip, saying why) from a broken download.
 */
import { parseArgs } from 'node:util';
import { exitWithFailure, isDevToolError, log, portOption, stopOnSignal } from '../support/index.js';
import { ensureRegistryDistribution, findRegistryJava, startLocalRegistry } from './index.js';

const NO_JAVA_EXIT_CODE = 3;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'management-port': { type: 'string' },
    version: { type: 'string' },
    'resolve-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

function usage(): string {
  return (
    'usage: tsx scripts/registry/start-registry.ts [--port N] [--management-port N] [--version X.Y.Z]\n' +
    '       tsx scripts/registry/start-registry.ts --resolve-only [--version X.Y.Z]\n' +
    'Env: APICURIO_REGISTRY_VERSION (default version), JAVA_HOME (a Java 21+; else PATH, then /usr/lib/jvm).\n' +
    `Exit code ${NO_JAVA_EXIT_CODE}: no Java 21+ found.\n`
  );
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage());
    return;
  }
  if (values['resolve-only']) {
    const java = await findRegistryJava();
    log(`Java for the registry: ${java.java} (${java.version})`);
    const distDir = await ensureRegistryDistribution({ version: values.version, onProgress: log });
    process.stdout.write(`${distDir}\n`);
    return;
  }
  const registry = await startLocalRegistry({
    port: portOption('port', values.port, usage()),
    managementPort: portOption('management-port', values['management-port'], usage()),
    version: values.version,
    onProgress: log,
  });
  process.stdout.write(`${registry.url}\n`);
  log(`Registry log: ${registry.logFile}. Ctrl-C to stop.`);

  stopOnSignal('registry', () => registry.stop());
}

main().catch((error: unknown) => {
  if (isDevToolError(error, 'JAVA_NOT_FOUND')) {
    log(error.message);
    process.exit(NO_JAVA_EXIT_CODE);
  }
  exitWithFailure(error);
});
