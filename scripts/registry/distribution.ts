/**
 * The Apicurio Registry distribution: fetched from Maven Central through Maven (so ~/.m2 caches it and the user's
 * mirrors apply), unpacked once into <project>/.cache/apicurio-registry-<version>/ (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyArtifactFile } from '../jvm/index.js';
import { DevToolError, findProjectRoot, runCollecting, tailText } from '../support/index.js';
import { distributionFolderName, registryDistributionFile, registryJar, resolveRegistryVersion } from './config.js';

export const registryCacheDir = join(findProjectRoot(dirname(fileURLToPath(import.meta.url))), '.cache');

export interface RegistryDistributionOptions {
  /** Default: env APICURIO_REGISTRY_VERSION, else DEFAULT_REGISTRY_VERSION. */
  version?: string;
  /** Default <project>/.cache. */
  cacheDir?: string;
  onProgress?: (message: string) => void;
}

const unpacking = new Map<string, Promise<string>>();

/** Whether the distribution is unpacked in the cache already: the demo says "downloads ~160 MB" only when it will. */
export function registryDistributionCached(options: { version?: string; cacheDir?: string } = {}): boolean {
  const distDir = join(
    options.cacheDir ?? registryCacheDir,
    distributionFolderName(resolveRegistryVersion(options.version)),
  );
  return existsSync(registryJar(distDir));
}

/**
 * Makes sure the distribution is unpacked and returns its folder. The first call on a machine downloads ~160 MB
 * (~8 s here); with a warm ~/.m2 it only unpacks; later calls, in any process, are a stat.
 */
export function ensureRegistryDistribution(options: RegistryDistributionOptions = {}): Promise<string> {
  const version = resolveRegistryVersion(options.version);
  const cacheDir = options.cacheDir ?? registryCacheDir;
  const distDir = join(cacheDir, distributionFolderName(version));
  let pending = unpacking.get(distDir);
  if (pending === undefined) {
    // The folder appears only by a rename of a complete unpack, so its jar is proof enough.
    pending = existsSync(registryJar(distDir)) ? Promise.resolve(distDir) : unpack(version, distDir, options);
    unpacking.set(distDir, pending);
    // A failed fetch must not be cached: the next caller may have the network back.
    pending.catch(() => unpacking.delete(distDir));
  }
  return pending;
}

async function unpack(version: string, distDir: string, options: RegistryDistributionOptions): Promise<string> {
  const onProgress = options.onProgress ?? (() => {});
  const description = `Apicurio Registry ${version}`;
  // Fetch and unpack into a private folder renamed into place at the end, so that a concurrent process (or an
  // interrupted run) never sees half a distribution; whoever renames first wins.
  const stagingDir = `${distDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const unpackedDir = join(stagingDir, 'dist');
  await mkdir(unpackedDir, { recursive: true });
  try {
    const tarball = await copyArtifactFile({
      file: registryDistributionFile(version),
      outputDir: stagingDir,
      description,
      onProgress,
    });
    const started = Date.now();
    const { code, output } = await runCollecting(
      'tar',
      ['-xzf', tarball, '-C', unpackedDir],
      stagingDir,
      'Unpacking needs tar.',
    );
    if (code !== 0) {
      throw new DevToolError('SETUP_FAILED', `Unpacking ${tarball} failed (exit ${code}):\n${tailText(output, 4000)}`, {
        details: { tarball, distDir },
      });
    }
    if (!existsSync(registryJar(unpackedDir))) {
      throw new DevToolError('SETUP_FAILED', `${tarball} has no quarkus-run.jar at its root; not a registry build?`, {
        details: { tarball, distDir },
      });
    }
    try {
      await rename(unpackedDir, distDir);
    } catch (error) {
      // Losing the race to another process is fine; anything else is not.
      if (!existsSync(registryJar(distDir))) throw error;
    }
    onProgress(`Unpacked ${description} into ${distDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return distDir;
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}
