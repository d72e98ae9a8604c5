/**
 * Finding a Java runtime new enough for a service: Kafka 4 needs 17+, a Quarkus app such as Apicurio Registry 3
 * needs 21+, and a machine may have several JDKs (here: Debian's 17 on PATH, a Temurin 25 under /usr/lib/jvm).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DevToolError } from '../support/index.js';

export type JavaSource = 'JAVA_HOME' | 'PATH' | 'jvm-dir';

export interface JavaRuntime {
  /** Absolute path of the `java` binary. */
  java: string;
  /** Feature release: 8 for "1.8.0_392", 17 for "17.0.15", 25 for "25". */
  major: number;
  /** The quoted version as `java -version` prints it. */
  version: string;
  source: JavaSource;
}

export interface FindJavaOptions {
  minMajor: number;
  /** Default process.env (JAVA_HOME, PATH). */
  env?: NodeJS.ProcessEnv;
  /** Where distributions install JDKs. Default /usr/lib/jvm. */
  jvmDir?: string;
}

export interface JavaCandidate {
  java: string;
  source: JavaSource;
}

/** Parses the first line of `java -version` (which goes to stderr): `openjdk version "17.0.15" 2025-04-15`. */
export function parseJavaVersion(output: string): { version: string; major: number } | undefined {
  const match = /version "([^"]+)"/.exec(output);
  const version = match?.[1];
  if (version === undefined) return undefined;
  // Before Java 9 the scheme was 1.<major>.0_<update>.
  const legacy = /^1\.(\d+)/.exec(version);
  const modern = /^(\d+)/.exec(version);
  const majorText = legacy?.[1] ?? modern?.[1];
  if (majorText === undefined) return undefined;
  return { version, major: Number.parseInt(majorText, 10) };
}

/**
 * Where to look, in order of preference: JAVA_HOME (the user's explicit choice), `java` on PATH (what a shell
 * would run), then every JDK under the JVM dir. The same binary reached twice (symlinks) is listed once.
 */
export function javaCandidates(options: Pick<FindJavaOptions, 'env' | 'jvmDir'> = {}): JavaCandidate[] {
  const env = options.env ?? process.env;
  const found: JavaCandidate[] = [];
  const javaHome = env['JAVA_HOME'];
  if (javaHome !== undefined && javaHome !== '')
    found.push({ java: join(javaHome, 'bin', 'java'), source: 'JAVA_HOME' });
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const java = join(dir, 'java');
    if (isExecutable(java)) {
      found.push({ java, source: 'PATH' });
      break;
    }
  }
  const jvmDir = options.jvmDir ?? '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    for (const entry of readdirSync(jvmDir).sort()) {
      const java = join(jvmDir, entry, 'bin', 'java');
      if (isExecutable(java)) found.push({ java, source: 'jvm-dir' });
    }
  }
  const seen = new Set<string>();
  return found.filter(({ java }) => {
    const real = realPath(java);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * The runtime to use: the first of JAVA_HOME and PATH that is new enough, else the newest JDK in the JVM dir that
 * is (newest: a service that needs 21 is as happy with 25, and the JVM dir's order says nothing about age).
 */
export function chooseJava(probed: readonly JavaRuntime[], minMajor: number): JavaRuntime | undefined {
  const fits = probed.filter((runtime) => runtime.major >= minMajor);
  const preferred = fits.find((runtime) => runtime.source !== 'jvm-dir');
  if (preferred !== undefined) return preferred;
  return fits.reduce<JavaRuntime | undefined>(
    (best, runtime) => (best === undefined || runtime.major > best.major ? runtime : best),
    undefined,
  );
}

const versions = new Map<string, Promise<JavaRuntime | undefined>>();

/** `java -version` of one candidate, once per process; undefined when it does not run or prints no version. */
function probe(candidate: JavaCandidate): Promise<JavaRuntime | undefined> {
  let pending = versions.get(candidate.java);
  if (pending === undefined) {
    pending = new Promise((resolveProbe) => {
      execFile(candidate.java, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
        const parsed = error === null ? parseJavaVersion(`${stderr}\n${stdout}`) : undefined;
        resolveProbe(parsed === undefined ? undefined : { ...candidate, ...parsed });
      });
    });
    versions.set(candidate.java, pending);
  }
  return pending;
}

/** Finds a Java runtime of at least `minMajor` (see `javaCandidates` for where it looks). */
export async function findJava(options: FindJavaOptions): Promise<JavaRuntime> {
  const candidates = javaCandidates(options);
  const probed = (await Promise.all(candidates.map(probe))).filter((runtime) => runtime !== undefined);
  const chosen = chooseJava(probed, options.minMajor);
  if (chosen !== undefined) return chosen;
  const seen = probed.map((runtime) => `${runtime.java} (${runtime.version})`).join(', ') || 'none';
  throw new DevToolError(
    'JAVA_NOT_FOUND',
    `No Java ${options.minMajor}+ found in JAVA_HOME, on PATH or under ${options.jvmDir ?? '/usr/lib/jvm'}; ` +
      `found: ${seen}. Install a JDK ${options.minMajor}+ or point JAVA_HOME at one.`,
    { details: { minMajor: options.minMajor, found: probed } },
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    // Not there or not executable: not a candidate, which is the normal case for most PATH entries.
    return false;
  }
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    // A dangling link: compare by its own path.
    return file;
  }
}
