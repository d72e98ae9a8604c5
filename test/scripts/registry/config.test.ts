import { describe, expect, it } from 'vitest';
import { artifactCoordinates, artifactFileName } from '../../../scripts/jvm/index.js';
import {
  ccompatUrl,
  DEFAULT_REGISTRY_JVM_OPTIONS,
  distributionFolderName,
  looksLikePortClash,
  readinessUrl,
  registryDistributionFile,
  registryImage,
  registryJar,
  registryJvmOptions,
  registryLayout,
  resolveRegistryVersion,
} from '../../../scripts/registry/config.js';
import { isDevToolError } from '../../../scripts/support/index.js';

describe('Apicurio Registry distribution', () => {
  it('is the all-in-one tarball attached to the app artifact', () => {
    const file = registryDistributionFile('3.3.3');
    expect(artifactCoordinates(file)).toBe('io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all');
    expect(artifactFileName(file)).toBe('apicurio-registry-app-3.3.3-all.tar.gz');
    expect(distributionFolderName('3.3.3')).toBe('apicurio-registry-3.3.3');
    expect(registryJar('/p/.cache/apicurio-registry-3.3.3')).toBe('/p/.cache/apicurio-registry-3.3.3/quarkus-run.jar');
    expect(registryImage('3.3.3')).toBe('apicurio/apicurio-registry:3.3.3');
  });

  it('takes 3.3.3 by default and refuses a version that is not a plain one', () => {
    const saved = process.env['APICURIO_REGISTRY_VERSION'];
    delete process.env['APICURIO_REGISTRY_VERSION'];
    try {
      expect(resolveRegistryVersion(undefined)).toBe('3.3.3');
      expect(resolveRegistryVersion('3.4.0')).toBe('3.4.0');
      for (const bad of ['3.3', '../3.3.3', '3.3.3:tar.gz', '3.3.3 ']) {
        const error: unknown = (() => {
          try {
            return resolveRegistryVersion(bad);
          } catch (thrown) {
            return thrown;
          }
        })();
        expect(isDevToolError(error, 'INVALID_OPTION'), bad).toBe(true);
      }
    } finally {
      if (saved !== undefined) process.env['APICURIO_REGISTRY_VERSION'] = saved;
    }
  });

  it('refuses Maven types and classifiers that could smuggle in more arguments', () => {
    for (const classifier of ['all -X', 'a:b', '']) {
      let thrown: unknown;
      try {
        artifactCoordinates({ ...registryDistributionFile('3.3.3'), classifier });
      } catch (error) {
        thrown = error;
      }
      expect(isDevToolError(thrown, 'INVALID_OPTION'), classifier).toBe(true);
    }
    expect(artifactCoordinates({ groupId: 'g', artifactId: 'a', version: '1', type: 'jar' })).toBe('g:a:1:jar');
    expect(artifactFileName({ groupId: 'g', artifactId: 'a', version: '1', type: 'jar' })).toBe('a-1.jar');
  });
});

describe('Apicurio Registry command line and URLs', () => {
  const layout = registryLayout({
    version: '3.3.3',
    distDir: '/p/.cache/apicurio-registry-3.3.3',
    runDir: '/tmp/apicurio-registry-x',
    host: '127.0.0.1',
    port: 40123,
    managementPort: 40124,
  });

  it('binds both interfaces to the given host and ports, after the small-footprint JVM options', () => {
    expect(registryJvmOptions(layout)).toEqual([
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dquarkus.http.host=127.0.0.1',
      '-Dquarkus.http.port=40123',
      '-Dquarkus.management.host=127.0.0.1',
      '-Dquarkus.management.port=40124',
    ]);
    expect(DEFAULT_REGISTRY_JVM_OPTIONS).toEqual(['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']);
    expect(registryJvmOptions(layout, ['-Xmx512m'])[0]).toBe('-Xmx512m');
    expect(layout.logFile).toBe('/tmp/apicurio-registry-x/registry.log');
  });

  it('gives clients the Confluent-compatible base and probes health on the management port', () => {
    expect(ccompatUrl('127.0.0.1', 40123)).toBe('http://127.0.0.1:40123/apis/ccompat/v7');
    expect(readinessUrl('127.0.0.1', 40124)).toBe('http://127.0.0.1:40124/health/ready');
    expect(ccompatUrl('::1', 8080)).toBe('http://[::1]:8080/apis/ccompat/v7');
    expect(readinessUrl('[::1]', 9000)).toBe('http://[::1]:9000/health/ready');
  });

  it("recognises Quarkus' port clash message", () => {
    expect(looksLikePortClash('Port 40123 seems to be in use by another process. Quarkus may already be running')).toBe(
      true,
    );
    expect(looksLikePortClash('java.net.BindException: Address already in use')).toBe(true);
    expect(looksLikePortClash('Failed to start application: datasource not found')).toBe(false);
  });
});
