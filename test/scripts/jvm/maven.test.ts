import { describe, expect, it } from 'vitest';
import { classpathFolderName, classpathOf, jarFileName, parseArtifact, renderPom } from '../../../scripts/jvm/index.js';
import { isDevToolError } from '../../../scripts/support/index.js';

const kafka = { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.1.2' };
const slf4j = { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '2.0.17' };

describe('Maven classpaths', () => {
  it('parses group:artifact:version and refuses anything else', () => {
    expect(parseArtifact('org.apache.kafka:kafka_2.13:4.1.2')).toEqual(kafka);
    for (const bad of ['org.apache.kafka:kafka_2.13', 'a:b:c:d', 'a:b:1.0</version>', 'a:b:$(rm)']) {
      let thrown: unknown;
      try {
        parseArtifact(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isDevToolError(thrown, 'INVALID_OPTION'), bad).toBe(true);
    }
  });

  it('renders a pom that lists the artifacts in order and copies runtime jars to the folder', () => {
    const pom = renderPom([kafka, slf4j], '/cache/x.tmp/jars');
    const dependencies = [...pom.matchAll(/<artifactId>([^<]+)<\/artifactId><version>([^<]+)<\/version>/g)].map(
      (match) => `${match[1]}:${match[2]}`,
    );
    expect(dependencies).toEqual(['kafka_2.13:4.1.2', 'slf4j-api:2.0.17']);
    expect(pom).toContain('<outputDirectory>/cache/x.tmp/jars</outputDirectory>');
    expect(pom).toContain('<includeScope>runtime</includeScope>');
    expect(pom).toContain('<version>3.8.1</version>');
  });

  it('names the cache folder after the artifacts, so that another set never reuses it', () => {
    const name = classpathFolderName('kafka-4.1.2', [kafka, slf4j]);
    expect(name).toMatch(/^kafka-4\.1\.2-[0-9a-f]{8}$/);
    expect(classpathFolderName('kafka-4.1.2', [kafka, slf4j])).toBe(name);
    expect(classpathFolderName('kafka-4.1.2', [kafka])).not.toBe(name);
    expect(classpathFolderName('kafka-4.1.2', [slf4j, kafka])).not.toBe(name);
  });

  it('builds the -cp entries and jar names', () => {
    expect(classpathOf('/cache/kafka-4.1.2-abcd1234')).toEqual(['/cache/kafka-4.1.2-abcd1234/*']);
    expect(jarFileName(kafka)).toBe('kafka_2.13-4.1.2.jar');
  });
});
