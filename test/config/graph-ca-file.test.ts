/**
 * graph.caFile as the loader reads it: once, at load, like kafka.tls.caFile, so that the worker does no file I/O
 * of its own and a wrong path stops the start with a config problem naming the setting.
 * (resolveCaFile lives in src/config/credentials.ts; this file sits apart from credentials.test.ts only while
 * the config tests are being renamed, and can be folded into it.)
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/pki.js';
import { fixture, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';

afterAll(removeTempDirs);

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** The minimal config with `graph.caFile` set. */
function withCaFile(file: string): string[] {
  return [...minimalLines(), 'graph:', `  caFile: ${file}`];
}

describe('graph.caFile', () => {
  it('is read at load: the PEM text and the absolute path are in the config', () => {
    const loaded = fixture(withCaFile('certs/ca.pem'), { 'certs/ca.pem': pki.ca.certPem });
    const config = loaded.load();
    expect(config.graph.caPem).toBe(pki.ca.certPem);
    expect(config.graph.caFile).toBe(path.join(loaded.dir, 'certs', 'ca.pem'));
  });

  it('is read once: removing the file after load changes nothing the worker uses', () => {
    const loaded = fixture(withCaFile('ca.pem'), { 'ca.pem': pki.ca.certPem });
    const config = loaded.load();
    rmSync(path.join(loaded.dir, 'ca.pem'));
    expect(config.graph.caPem).toBe(pki.ca.certPem);
  });

  it('drops a byte order mark, as every other file the config names', () => {
    const config = fixture(withCaFile('ca.pem'), { 'ca.pem': `\uFEFF${pki.ca.certPem}` }).load();
    expect(config.graph.caPem).toBe(pki.ca.certPem);
  });

  it('is absent with no caFile', () => {
    const config = fixture(minimalLines()).load();
    expect(config.graph.caPem).toBeUndefined();
    expect(config.graph.caFile).toBeUndefined();
  });

  it('can be given by PRESENCE_GRAPH_CA_FILE, relative to the working directory', () => {
    const loaded = fixture(minimalLines(), { 'env-ca.pem': pki.ca.certPem });
    const config = loaded.load({ env: { ...SECRET_ENV, PRESENCE_GRAPH_CA_FILE: 'env-ca.pem' } });
    expect(config.graph.caPem).toBe(pki.ca.certPem);
  });

  it('reports a missing file at the setting, with the OS reason', () => {
    expect(fixture(withCaFile('missing.pem')).message()).toMatch(/graph\.caFile: .*missing\.pem.*ENOENT/);
  });

  it('reports a file that holds no certificate', () => {
    const message = fixture(withCaFile('key.pem'), { 'key.pem': 'not a certificate\n' }).message();
    expect(message).toMatch(/graph\.caFile: .*key\.pem holds no PEM certificate/);
  });
});
