import { describe, expect, it } from 'vitest';
import { kafkaArtifacts, kafkaMajor, resolveKafkaVersion } from '../../../scripts/kafka/jars.js';
import { isDevToolError } from '../../../scripts/support/index.js';

const coordinates = (version: string): string[] =>
  kafkaArtifacts(version).map(({ groupId, artifactId, version: v }) => `${groupId}:${artifactId}:${v}`);

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
});
