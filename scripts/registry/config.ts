/**
 * An Apicurio Registry run as pure functions of its layout (unit-tested without Java): which Maven file holds the
 * distribution, the java command line, and the URLs it answers on.
 */
import { join } from 'node:path';
import type { MavenFile } from '../jvm/index.js';
import { DevToolError } from '../support/index.js';

/** The newest 3.x checked here against the Confluent-compatible API (see the Schema Registry facts). */
export const DEFAULT_REGISTRY_VERSION = '3.3.3';

/** Apicurio Registry 3 is a Quarkus 3 app compiled for Java 21 (class file version 65). */
export const REGISTRY_MIN_JAVA = 21;

/** Where Apicurio serves the Confluent Schema Registry API; clients take this as their registry URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export function resolveRegistryVersion(version: string | undefined): string {
  const chosen = version ?? process.env['APICURIO_REGISTRY_VERSION'] ?? DEFAULT_REGISTRY_VERSION;
  // The version becomes part of a path, Maven coordinates and an image tag: only a plain version will do.
  if (!/^\d+\.\d+\.\d+(?:[.-][A-Za-z0-9.]+)?$/.test(chosen)) {
    throw new DevToolError('INVALID_OPTION', `Not an Apicurio Registry version: ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

/** The prebuilt Quarkus distribution attached to the app artifact on Maven Central (~160 MB). */
export function registryDistributionFile(version: string): MavenFile {
  return {
    groupId: 'io.apicurio',
    artifactId: 'apicurio-registry-app',
    version,
    type: 'tar.gz',
    classifier: 'all',
  };
}

/** The unpacked distribution's folder name under the cache folder (the tarball has no top-level folder). */
export function distributionFolderName(version: string): string {
  return `apicurio-registry-${version}`;
}

/** The image with the same registry, for machines where testcontainers can run one. */
export function registryImage(version: string): string {
  return `apicurio/apicurio-registry:${version}`;
}

export interface RegistryLayout {
  version: string;
  /** The unpacked distribution: quarkus-run.jar, lib/, app/, quarkus/. */
  distDir: string;
  /** A scratch folder of this run: its cwd and its log. */
  runDir: string;
  host: string;
  /** The API port (Confluent-compatible API under CCOMPAT_PATH). */
  port: number;
  /** Quarkus' management interface: health and metrics live here, not on the API port. */
  managementPort: number;
  /** The JVM's stdout and stderr: Quarkus logs to the console. */
  logFile: string;
}

export function registryLayout(fields: Omit<RegistryLayout, 'logFile'>): RegistryLayout {
  return { ...fields, logFile: join(fields.runDir, 'registry.log') };
}

/** An IPv6 literal needs brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The base URL a Confluent client is given, e.g. http://127.0.0.1:40123/apis/ccompat/v7. */
export function ccompatUrl(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}${CCOMPAT_PATH}`;
}

/** Quarkus' readiness check: 200 once storage is up and the app serves requests, 503 before. */
export function readinessUrl(host: string, managementPort: number): string {
  return `http://${urlHost(host)}:${managementPort}/health/ready`;
}

/**
 * Small heap, serial GC and C1 only: the registry holds a few schemas in H2 in memory, and on 2 shared cores a
 * quick start matters more than peak throughput (~250 MB RSS instead of ~300).
 */
export const DEFAULT_REGISTRY_JVM_OPTIONS: readonly string[] = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

/**
 * Both interfaces default to 0.0.0.0 (8080 and 9000): host and port are always set, so that nothing is exposed
 * off the machine and two runs (or a CI run beside a developer's) never fight over the same ports.
 */
export function registryJvmOptions(
  layout: Pick<RegistryLayout, 'host' | 'port' | 'managementPort'>,
  jvmOptions: readonly string[] = DEFAULT_REGISTRY_JVM_OPTIONS,
): string[] {
  return [
    ...jvmOptions,
    `-Dquarkus.http.host=${layout.host}`,
    `-Dquarkus.http.port=${layout.port}`,
    `-Dquarkus.management.host=${layout.host}`,
    `-Dquarkus.management.port=${layout.managementPort}`,
  ];
}

/** The executable jar Quarkus' fast-jar packaging puts at the distribution's root. */
export function registryJar(distDir: string): string {
  return join(distDir, 'quarkus-run.jar');
}

/** Quarkus says "Port N seems to be in use by another process" when a bind fails. */
export function looksLikePortClash(text: string): boolean {
  return /seems to be in use by another process|Address already in use|BindException/i.test(text);
}
