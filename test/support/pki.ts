/**
 * A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1/localhost signed by it, a client
 * certificate signed by it (mTLS), and an unrelated CA to prove that trust is really checked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface Pem {
  certPem: string;
  keyPem: string;
}

export interface TestPki {
  ca: Pem;
  server: Pem;
  client: Pem;
  otherCa: Pem;
}

/** Backdated so that a clock a little behind still accepts the certificates. */
const NOT_BEFORE = (): Date => new Date(Date.now() - 60 * 60 * 1000);
const NOT_AFTER = (): Date => new Date(Date.now() + 7 * 24 * 60 * 60 * 1000);

async function certificateAuthority(commonName: string): Promise<Pem> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    // EC keys: generation takes milliseconds instead of the ~0.5 s of RSA on a busy machine.
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: NOT_BEFORE(),
    notAfterDate: NOT_AFTER(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

async function leaf(commonName: string, ca: Pem, usage: 'server' | 'client'): Promise<Pem> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: NOT_BEFORE(),
    notAfterDate: NOT_AFTER(),
    ca: { key: ca.keyPem, cert: ca.certPem },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
      ...(usage === 'server'
        ? [
            {
              name: 'subjectAltName' as const,
              altNames: [
                { type: 2 as const, value: 'localhost' },
                { type: 7 as const, ip: '127.0.0.1' },
              ],
            },
          ]
        : []),
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await certificateAuthority('presence-connector test CA');
  const otherCa = await certificateAuthority('some other CA');
  const [server, client] = await Promise.all([
    leaf('localhost', ca, 'server'),
    leaf('presence-connector', ca, 'client'),
  ]);
  return { ca, server, client, otherCa };
}

export interface PkiFiles {
  dir: string;
  caCert: string;
  otherCaCert: string;
  clientCert: string;
  clientKey: string;
  /** Key and certificate in one PEM file: what Kafka's `ssl.keystore.type=PEM` reads from `ssl.keystore.location`. */
  serverKeystore: string;
}

export function writePkiFiles(pki: TestPki, dir: string): PkiFiles {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  return {
    dir,
    caCert: write('ca.pem', pki.ca.certPem),
    otherCaCert: write('other-ca.pem', pki.otherCa.certPem),
    clientCert: write('client.pem', pki.client.certPem),
    clientKey: write('client.key', pki.client.keyPem),
    serverKeystore: write('server-keystore.pem', `${pki.server.keyPem.trim()}\n${pki.server.certPem.trim()}\n`),
  };
}
