/** Which Maven artifacts make a runnable Kafka broker, and where their jars are cached (.kafka/ in the project). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classpathFolderName, resolveClasspath, type ClasspathRequest, type MavenArtifact } from '../jvm/index.js';
import { DevToolError, findProjectRoot } from '../support/index.js';

/** 4.1 is the newest line that kafkajs 2.2.4 was checked against here (test/integration/kafka-broker.test.ts). */
export const DEFAULT_KAFKA_VERSION = '4.1.2';

export interface KafkaJarsOptions {
  /** Default: env KAFKA_VERSION, else DEFAULT_KAFKA_VERSION. */
  kafkaVersion?: string;
  onProgress?: (message: string) => void;
}

export const kafkaCacheDir = join(findProjectRoot(dirname(fileURLToPath(import.meta.url))), '.kafka');

export function resolveKafkaVersion(kafkaVersion: string | undefined): string {
  const version = kafkaVersion ?? process.env['KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  // The version becomes part of a path and of Maven coordinates: refuse anything that is not a plain version.
  if (!/^\d+\.\d+\.\d+(?:[.-][A-Za-z0-9.]+)?$/.test(version)) {
    throw new DevToolError('INVALID_OPTION', `Not a Kafka version: ${JSON.stringify(version)}`);
  }
  return version;
}

export function kafkaMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '0', 10);
}

/**
 * The broker and a logging backend. The broker comes first: among transitive dependencies at the same depth Maven
 * takes the first declared, and the logging jars below are direct so that they win over the broker's own.
 */
export function kafkaArtifacts(version: string): MavenArtifact[] {
  const broker = { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version };
  if (kafkaMajor(version) >= 4) {
    // Kafka 4 logs through log4j2, and its pom brings log4j-core but no SLF4J binding; scala-logging also drags in
    // slf4j-api 1.7, which cannot see an SLF4J 2 provider. Pin slf4j-api 2 and add the log4j2 binding so that the
    // broker's SLF4J loggers reach log4j2 (and our WARN-to-file config) instead of printing NOP warnings.
    return [
      broker,
      { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '2.0.17' },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j2-impl', version: '2.25.3' },
      { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: '2.25.3' },
    ];
  }
  // Kafka 3.9 logs through log4j 1.x; its distribution ships reload4j, which the pom leaves to us.
  return [
    broker,
    { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
    { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '1.7.36' },
    { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
  ];
}

/** Makes sure the broker's jars for one Kafka version are cached and returns their folder. */
export function ensureKafkaJars(options: KafkaJarsOptions = {}): Promise<string> {
  return resolveClasspath({
    ...kafkaClasspath(resolveKafkaVersion(options.kafkaVersion), kafkaCacheDir),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

/**
 * Whether ensureKafkaJars() will find the jars in the cache rather than run Maven (about a minute the first time),
 * for a caller that wants to say so only when it is true. `cacheDir` is for tests.
 */
export function kafkaJarsCached(options: { kafkaVersion?: string; cacheDir?: string } = {}): boolean {
  const { name, artifacts, cacheDir } = kafkaClasspath(
    resolveKafkaVersion(options.kafkaVersion),
    options.cacheDir ?? kafkaCacheDir,
  );
  // The same test resolveClasspath makes: the folder appears only by the rename of a complete resolution.
  return existsSync(join(cacheDir, classpathFolderName(name, artifacts)));
}

function kafkaClasspath(version: string, cacheDir: string): ClasspathRequest {
  return {
    name: `kafka-${version}`,
    description: `Apache Kafka ${version}`,
    artifacts: kafkaArtifacts(version),
    cacheDir,
  };
}
