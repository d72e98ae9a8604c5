import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registryDistributionCached } from '../../../scripts/registry/index.js';
import { distributionFolderName, registryJar } from '../../../scripts/registry/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('registryDistributionCached', () => {
  it('is false until the unpacked distribution (its jar) is in the cache, then true', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'registry-cache-'));
    dirs.push(cacheDir);
    expect(registryDistributionCached({ version: '3.3.3', cacheDir })).toBe(false);
    const distDir = join(cacheDir, distributionFolderName('3.3.3'));
    // A staging folder of an interrupted unpack does not count: only the renamed folder with its jar does.
    mkdirSync(distDir, { recursive: true });
    expect(registryDistributionCached({ version: '3.3.3', cacheDir })).toBe(false);
    writeFileSync(registryJar(distDir), '');
    expect(registryDistributionCached({ version: '3.3.3', cacheDir })).toBe(true);
    expect(registryDistributionCached({ version: '3.3.2', cacheDir })).toBe(false);
  });
});
