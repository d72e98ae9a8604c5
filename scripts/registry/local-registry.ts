/**
 * A local Apicurio Registry (Confluent-compatible API, in-memory H2 storage: every start is an empty registry) as a
 * child JVM, for tests, the demo and manual runs where no container runtime is available.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allOf, findJava, httpGetProbe, JvmService, type FindJavaOptions } from '../jvm/index.js';
import { freePort, readLogTail, releaseDir, removeDirAtExit } from '../support/index.js';
import {
  ccompatUrl,
  DEFAULT_REGISTRY_JVM_OPTIONS,
  looksLikePortClash,
  readinessUrl,
  REGISTRY_MIN_JAVA,
  registryJar,
  registryJvmOptions,
  registryLayout,
  resolveRegistryVersion,
  type RegistryLayout,
} from './config.js';
import { ensureRegistryDistribution, type RegistryDistributionOptions } from './distribution.js';

export interface LocalRegistryOptions extends RegistryDistributionOptions {
  /** Interface for both the API and the management port. Loopback by default: nothing exposed off the machine. */
  host?: string;
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** 0 or undefined: pick a free port. */
  managementPort?: number;
  /** Default DEFAULT_REGISTRY_JVM_OPTIONS (256 MB heap, serial GC, C1 only). */
  jvmOptions?: readonly string[];
  /** Where to look for a Java 21+ (default: JAVA_HOME, PATH, /usr/lib/jvm); tests point it at stand-ins. */
  javaSearch?: Pick<FindJavaOptions, 'env' | 'jvmDir'>;
  /** Default 120 s: Quarkus loads ~600 jars, slow on 2 busy cores. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 20 s. */
  stopTimeoutMs?: number;
}

export interface LocalRegistry {
  /** The Confluent-compatible base URL, e.g. http://127.0.0.1:40123/apis/ccompat/v7. */
  readonly url: string;
  readonly port: number;
  readonly managementPort: number;
  /** The JVM's console output (Quarkus logs there). Removed by stop(). */
  readonly logFile: string;
  readonly javaVersion: string;
  /** Stops the JVM (SIGTERM, then SIGKILL) and removes its scratch folder. */
  stop(): Promise<void>;
}

/** Finds the Java 21+ the registry needs; throws DevToolError JAVA_NOT_FOUND saying what it did find. */
export function findRegistryJava(javaSearch: LocalRegistryOptions['javaSearch'] = {}): ReturnType<typeof findJava> {
  return findJava({ minMajor: REGISTRY_MIN_JAVA, ...javaSearch });
}

function registryService(layout: RegistryLayout, java: string, options: LocalRegistryOptions): JvmService {
  const url = ccompatUrl(layout.host, layout.port);
  return new JvmService({
    name: `Apicurio Registry ${layout.version} on ${url}`,
    java,
    jar: registryJar(layout.distDir),
    jvmOptions: registryJvmOptions(layout, options.jvmOptions ?? DEFAULT_REGISTRY_JVM_OPTIONS),
    cwd: layout.runDir,
    outputFile: layout.logFile,
    // Health proves storage is up; the API GET that the process on our API port is this registry.
    readiness: allOf(httpGetProbe(readinessUrl(layout.host, layout.managementPort)), httpGetProbe(`${url}/subjects`)),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    details: { port: layout.port, managementPort: layout.managementPort, runDir: layout.runDir },
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

/**
 * Starts a registry and resolves once it serves the Confluent-compatible API. The JVM is a child of this process
 * and dies with it, however it exits (see scripts/support/reaper.ts).
 */
export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const version = resolveRegistryVersion(options.version);
  // Java first: without one there is no point in downloading 160 MB.
  const runtime = await findRegistryJava(options.javaSearch);
  const distDir = await ensureRegistryDistribution({ ...options, version });
  const host = options.host ?? '127.0.0.1';
  const runDir = mkdtempSync(join(tmpdir(), 'apicurio-registry-'));
  removeDirAtExit(runDir);
  const removeRunDir = async (): Promise<void> => {
    await rm(runDir, { recursive: true, force: true });
    releaseDir(runDir);
  };

  // A probed port can be taken before the JVM binds it; pick again then. Ports the caller chose stay.
  const attempts = !options.port && !options.managementPort ? 3 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port || (await freePort({ host }));
    const managementPort = options.managementPort || (await freePort({ host, avoid: [port] }));
    const layout = registryLayout({ version, distDir, runDir, host, port, managementPort });
    const service = registryService(layout, runtime.java, options);
    try {
      await service.start();
    } catch (error) {
      const clash = looksLikePortClash(`${String(error)}\n${readLogTail(layout.logFile)}`);
      if (attempt < attempts && clash) {
        options.onProgress?.(`Port clash on ${host}:${port}/${managementPort}; trying other ports`);
        continue;
      }
      // The start failure is the news (its message has the log tail); a failed cleanup is only reported.
      await removeRunDir().catch((cleanupError: unknown) => {
        options.onProgress?.(`Could not remove ${runDir}: ${String(cleanupError)}`);
      });
      throw error;
    }
    return {
      url: ccompatUrl(host, port),
      port,
      managementPort,
      logFile: layout.logFile,
      javaVersion: `${runtime.java} (${runtime.version})`,
      stop: async () => {
        await service.dispose();
        await removeRunDir();
      },
    };
  }
}
