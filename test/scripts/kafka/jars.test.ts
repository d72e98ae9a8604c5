import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classpathFolderName } from '../../../scripts/jvm/index.js';
import { kafkaArtifacts, kafkaJarsCached, kafkaMajor, resolveKafkaVersion } from '../../../scripts/kafka/jars.js';
import { isDevToolError } from '../../../scripts/support/index.js';

const coordinates = (version: string): string[] =>
  kafkaArtifacts(version).map(({ groupId, artifactId, version: v }) => `${groupId}:${artifactId}:${v}`);

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Kafka jars', () => {
  it('pairs Kafka 4 with log4j2 behind SLF4J 2, broker first', () => {
    expect(coordinates('4.1.2')).toEqual([
      'org.apache.kafka:kafka_2.13:4.1.2',
      'org.slf4j:slf4j-api:2.0.17',
      'org.apache.logging.log4j:log4j-slf4j2-impl:2.25.3',
      'org.apache.logging.log4j:log4j-core:2.25.3',
    ]);
  });

  it('pairs Kafka 3 with reload4j behind SLF4J 1.7', () => {
    expect(coordinates('3.9.1')).toEqual([
      'org.apache.kafka:kafka_2.13:3.9.1',
      'ch.qos.reload4j:reload4j:1.2.25',
      'org.slf4j:slf4j-api:1.7.36',
      'org.slf4j:slf4j-reload4j:1.7.36',
    ]);
  });

  it('accepts plain versions only, since they become paths and coordinates', () => {
    expect(resolveKafkaVersion('4.1.2')).toBe('4.1.2');
    expect(resolveKafkaVersion('4.2.0-rc1')).toBe('4.2.0-rc1');
    expect(kafkaMajor('3.9.1')).toBe(3);
    for (const bad of ['4.1', '../4.1.2', '4.1.2;rm']) {
      let thrown: unknown;
      try {
        resolveKafkaVersion(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isDevToolError(thrown, 'INVALID_OPTION'), bad).toBe(true);
    }
  });

  it('says whether the jars of a version are cached (then Maven does not run), for the demo to say so', () => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-jars-test-'));
    expect(kafkaJarsCached({ kafkaVersion: '4.1.2', cacheDir: dir })).toBe(false);
    // What resolveClasspath renames into place once Maven has copied every jar.
    mkdirSync(join(dir, classpathFolderName('kafka-4.1.2', kafkaArtifacts('4.1.2'))));
    expect(kafkaJarsCached({ kafkaVersion: '4.1.2', cacheDir: dir })).toBe(true);
    // Another version, or a half-done resolution's staging folder, is not the cache of this one.
    expect(kafkaJarsCached({ kafkaVersion: '3.9.1', cacheDir: dir })).toBe(false);
    mkdirSync(join(dir, `${classpathFolderName('kafka-3.9.1', kafkaArtifacts('3.9.1'))}.tmp-1-abcd`));
    expect(kafkaJarsCached({ kafkaVersion: '3.9.1', cacheDir: dir })).toBe(false);
    expect(kafkaJarsCached({ kafkaVersion: '4.1.2', cacheDir: join(dir, 'missing') })).toBe(false);
  });
});
