/** The parts of starting a registry that run without Java or Maven: the launch line, the cache, the Java search. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { javaArguments } from '../../../scripts/jvm/index.js';
import { ensureRegistryDistribution, findRegistryJava, startLocalRegistry } from '../../../scripts/registry/index.js';
import { isDevToolError } from '../../../scripts/support/index.js';

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function scratch(): string {
  root = mkdtempSync(join(tmpdir(), 'registry-unit-'));
  return root;
}

/** A stand-in JDK: a shell script that prints a version, as findJava reads it. */
function fakeJdk(home: string, version: string): void {
  mkdirSync(join(home, 'bin'), { recursive: true });
  const java = join(home, 'bin', 'java');
  writeFileSync(java, `#!/bin/sh\necho 'openjdk version "${version}" 2025-01-01' >&2\n`);
  chmodSync(java, 0o755);
}

describe('the java command line of a JVM service', () => {
  it('runs an executable jar with the options before -jar and the arguments after it', () => {
    expect(javaArguments({ jar: '/d/quarkus-run.jar', jvmOptions: ['-Xmx256m', '-Dx=1'], args: ['a'] })).toEqual([
      '-Xmx256m',
      '-Dx=1',
      '-jar',
      '/d/quarkus-run.jar',
      'a',
    ]);
  });

  it('still runs a main class on a classpath (the Kafka broker)', () => {
    expect(javaArguments({ classpath: ['/l/*', '/m/*'], mainClass: 'kafka.Kafka', args: ['s.properties'] })).toEqual([
      '-cp',
      '/l/*:/m/*',
      'kafka.Kafka',
      's.properties',
    ]);
  });
});

describe('the registry distribution cache', () => {
  it('uses an unpacked distribution as it is, without running Maven', async () => {
    const cacheDir = scratch();
    const distDir = join(cacheDir, 'apicurio-registry-9.9.9');
    mkdirSync(distDir);
    writeFileSync(join(distDir, 'quarkus-run.jar'), '');
    expect(await ensureRegistryDistribution({ version: '9.9.9', cacheDir })).toBe(distDir);
  });
});

describe('the Java a registry needs', () => {
  it('takes a Java 21+ from the JVM dir when PATH has only 17', async () => {
    const dir = scratch();
    fakeJdk(join(dir, 'path-17'), '17.0.15');
    fakeJdk(join(dir, 'jvm', 'temurin-25-jdk'), '25.0.3');
    const env = { PATH: join(dir, 'path-17', 'bin') };
    expect(await findRegistryJava({ env, jvmDir: join(dir, 'jvm') })).toMatchObject({ major: 25 });
  });

  it('says what is missing, before any download, when no Java 21+ is there', async () => {
    const dir = scratch();
    fakeJdk(join(dir, 'path-17'), '17.0.15');
    const javaSearch = { env: { PATH: join(dir, 'path-17', 'bin') }, jvmDir: join(dir, 'no-jvm-dir') };
    // An empty cache dir: reaching the download would run Maven, which the unit run forbids (and would notice).
    const error: unknown = await startLocalRegistry({ javaSearch, cacheDir: join(dir, 'cache') }).catch(
      (thrown: unknown) => thrown,
    );
    expect(isDevToolError(error, 'JAVA_NOT_FOUND')).toBe(true);
    expect(String(error)).toMatch(/No Java 21\+ .*found: .*17\.0\.15.*Install a JDK 21\+ or point JAVA_HOME at one/);
  });
});
