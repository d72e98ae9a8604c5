/**
 * The simulator's certificate and key kept in a folder (`simulate --write-config DIR`), so that a restarted
 * simulator presents the certificate that connectors configured earlier already trust. A stored pair is reused only
 * while it is sound: the key belongs to the certificate, it covers the host the URLs name, and it is valid for at
 * least another day; otherwise a new pair is generated (and the caller writes it over the old one).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generateTlsMaterial, type TlsMaterial } from './tls.js';

/** The certificate (also the CA to trust: it is self-signed) and its key, as named in the folder. */
export const CA_FILE_NAME = 'simulator-ca.pem';
export const KEY_FILE_NAME = 'simulator-key.pem';

const MIN_REMAINING_MS = 24 * 60 * 60 * 1000;

export interface StoredTls {
  material: TlsMaterial;
  /** `kept`: the folder's pair; `new`: the folder had none; `replaced`: its pair was unfit, this one replaces it. */
  origin: 'kept' | 'new' | 'replaced';
}

/** The name clients connect to for a bind host: a wildcard address is advertised as loopback (as server.ts does). */
export function advertisedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

/** Whether `material` can serve `host` at `now`: key and certificate match, the name fits, a day of validity left. */
export function tlsUsable(material: TlsMaterial, host: string, now: Date = new Date()): boolean {
  try {
    const certificate = new X509Certificate(material.certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(material.keyPem))) return false;
    const from = new Date(certificate.validFrom).getTime();
    const to = new Date(certificate.validTo).getTime();
    if (from > now.getTime() || to < now.getTime() + MIN_REMAINING_MS) return false;
    const name = advertisedHost(host);
    return isIP(name) === 0 ? certificate.checkHost(name) !== undefined : certificate.checkIP(name) !== undefined;
  } catch {
    // Unparseable PEM: as good as absent, a new pair replaces it.
    return false;
  }
}

async function readStored(dir: string): Promise<TlsMaterial | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([
      readFile(join(dir, CA_FILE_NAME), 'utf8'),
      readFile(join(dir, KEY_FILE_NAME), 'utf8'),
    ]);
    return { certPem, keyPem };
  } catch {
    // Missing (the first start) or unreadable: a new pair is generated and written over it.
    return undefined;
  }
}

/** The folder's certificate and key when they are still usable for `host`, else a newly generated pair. */
export async function loadOrCreateTls(dir: string, host: string, now: Date = new Date()): Promise<StoredTls> {
  const stored = await readStored(dir);
  if (stored !== undefined && tlsUsable(stored, host, now)) return { material: stored, origin: 'kept' };
  return { material: await generateTlsMaterial(host), origin: stored === undefined ? 'new' : 'replaced' };
}
