import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseJava,
  findJava,
  javaCandidates,
  parseJavaVersion,
  type JavaRuntime,
} from '../../../scripts/jvm/index.js';
import { isDevToolError } from '../../../scripts/support/index.js';

describe('parseJavaVersion', () => {
  it.each([
    [
      'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
      17,
      '17.0.15',
    ],
    ['openjdk version "25" 2025-09-16\nOpenJDK Runtime Environment Temurin-25+36', 25, '25'],
    ['openjdk version "21-ea" 2023-09-19', 21, '21-ea'],
    ['java version "1.8.0_392"\nJava(TM) SE Runtime Environment', 8, '1.8.0_392'],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "11.0.2" 2019-01-15', 11, '11.0.2'],
  ])('reads %j as Java %i', (output, major, version) => {
    expect(parseJavaVersion(output)).toEqual({ major, version });
  });

  it('is undefined for output without a version', () => {
    expect(parseJavaVersion('Error: could not find libjava.so')).toBeUndefined();
    expect(parseJavaVersion('openjdk version "beta"')).toBeUndefined();
  });
});

describe('chooseJava', () => {
  const runtime = (major: number, source: JavaRuntime['source']): JavaRuntime => ({
    java: `/${source}/${major}/bin/java`,
    major,
    version: String(major),
    source,
  });

  it('prefers JAVA_HOME and PATH when new enough, else the newest JDK of the JVM dir', () => {
    const probed = [runtime(11, 'JAVA_HOME'), runtime(17, 'PATH'), runtime(21, 'jvm-dir'), runtime(25, 'jvm-dir')];
    expect(chooseJava(probed, 17)?.java).toBe('/PATH/17/bin/java');
    expect(chooseJava(probed, 11)?.java).toBe('/JAVA_HOME/11/bin/java');
    expect(chooseJava(probed, 21)?.java).toBe('/jvm-dir/25/bin/java');
    expect(chooseJava(probed, 26)).toBeUndefined();
  });
});

describe('findJava with stand-in JDKs (shell scripts that print a version, no real Java)', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function fakeJdk(home: string, version: string): string {
    mkdirSync(join(home, 'bin'), { recursive: true });
    const java = join(home, 'bin', 'java');
    writeFileSync(java, `#!/bin/sh\necho 'openjdk version "${version}" 2025-01-01' >&2\n`);
    chmodSync(java, 0o755);
    return java;
  }

  function machine(): { env: NodeJS.ProcessEnv; jvmDir: string } {
    root = mkdtempSync(join(tmpdir(), 'find-java-'));
    const jvmDir = join(root, 'jvm');
    fakeJdk(join(root, 'home-11'), '11.0.2');
    fakeJdk(join(root, 'path-17'), '17.0.15');
    fakeJdk(join(jvmDir, 'java-21-openjdk'), '21.0.5');
    fakeJdk(join(jvmDir, 'temurin-25-jdk'), '25');
    // Distributions add aliases: the same JDK must be listed once.
    symlinkSync(join(jvmDir, 'java-21-openjdk'), join(jvmDir, 'java-1.21.0-openjdk'));
    return { env: { JAVA_HOME: join(root, 'home-11'), PATH: join(root, 'path-17', 'bin') }, jvmDir };
  }

  it('lists JAVA_HOME, then PATH, then the JVM dir, each binary once', () => {
    const { env, jvmDir } = machine();
    const candidates = javaCandidates({ env, jvmDir });
    expect(candidates.map(({ source }) => source)).toEqual(['JAVA_HOME', 'PATH', 'jvm-dir', 'jvm-dir']);
    expect(candidates.map(({ java }) => java.slice(root?.length))).toEqual([
      '/home-11/bin/java',
      '/path-17/bin/java',
      '/jvm/java-1.21.0-openjdk/bin/java',
      '/jvm/temurin-25-jdk/bin/java',
    ]);
  });

  it('finds the runtime that a minimum version asks for', async () => {
    const { env, jvmDir } = machine();
    expect(await findJava({ minMajor: 17, env, jvmDir })).toMatchObject({ major: 17, source: 'PATH' });
    expect(await findJava({ minMajor: 21, env, jvmDir })).toMatchObject({ major: 25, source: 'jvm-dir' });
  });

  it('says what it found when nothing is new enough', async () => {
    const { env, jvmDir } = machine();
    const error: unknown = await findJava({ minMajor: 99, env, jvmDir }).catch((thrown: unknown) => thrown);
    expect(isDevToolError(error, 'JAVA_NOT_FOUND')).toBe(true);
    expect(String(error)).toMatch(/No Java 99\+.*11\.0\.2.*17\.0\.15.*21\.0\.5.*25/);
  });
});
