import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../src/simulator/tls.js';
import {
  advertisedHost,
  CA_FILE_NAME,
  KEY_FILE_NAME,
  loadOrCreateTls,
  tlsUsable,
} from '../../src/simulator/tls-store.js';

async function folderWith(material: { keyPem: string; certPem: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-tls-'));
  await writeFile(join(dir, CA_FILE_NAME), material.certPem);
  await writeFile(join(dir, KEY_FILE_NAME), material.keyPem);
  return dir;
}

describe('the certificate kept in a folder', () => {
  it('is generated when the folder has none, and reused when the folder has a sound one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sim-tls-'));
    const fresh = await loadOrCreateTls(empty, '127.0.0.1');
    expect(fresh.origin).toBe('new');
    expect(new X509Certificate(fresh.material.certPem).checkIP('127.0.0.1')).toBe('127.0.0.1');

    const kept = await loadOrCreateTls(await folderWith(fresh.material), '127.0.0.1');
    expect(kept).toEqual({ material: fresh.material, origin: 'kept' });
  });

  it('is replaced when the key is not the certificate’s, the host is not covered, it is garbage or expires soon', async () => {
    const one = await generateTlsMaterial('127.0.0.1');
    const other = await generateTlsMaterial('127.0.0.1');
    const mismatched = await loadOrCreateTls(
      await folderWith({ certPem: one.certPem, keyPem: other.keyPem }),
      '127.0.0.1',
    );
    expect(mismatched.origin).toBe('replaced');
    expect(mismatched.material.certPem).not.toBe(one.certPem);

    const otherHost = await loadOrCreateTls(await folderWith(one), 'sim.example.test');
    expect(otherHost.origin).toBe('replaced');
    expect(new X509Certificate(otherHost.material.certPem).checkHost('sim.example.test')).toBe('sim.example.test');

    expect((await loadOrCreateTls(await folderWith({ certPem: 'x', keyPem: 'y' }), '127.0.0.1')).origin).toBe(
      'replaced',
    );
    // Valid for 365 days: in 364 days and 12 hours less than a day is left.
    const late = new Date(Date.now() + (364 * 24 + 12) * 60 * 60 * 1000);
    expect(tlsUsable(one, '127.0.0.1', late)).toBe(false);
    expect(tlsUsable(one, '127.0.0.1')).toBe(true);
  });

  it('is checked against the name clients use: loopback for a wildcard bind address', async () => {
    expect(advertisedHost('0.0.0.0')).toBe('127.0.0.1');
    expect(advertisedHost('::')).toBe('::1');
    expect(advertisedHost('[::1]')).toBe('::1');
    expect(advertisedHost('simulator')).toBe('simulator');
    const wildcard = await generateTlsMaterial('0.0.0.0');
    expect(tlsUsable(wildcard, '0.0.0.0')).toBe(true);
    expect(tlsUsable(wildcard, 'localhost')).toBe(true);
    expect(tlsUsable(wildcard, '10.9.8.7')).toBe(false);
  });
});
