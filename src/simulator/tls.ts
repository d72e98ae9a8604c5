/** The simulator's own certificate: self-signed, valid for 127.0.0.1, ::1 and localhost (and the bind host). */
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  keyPem: string;
  certPem: string;
}

const VALIDITY_DAYS = 365;
/** Backdated so that a client whose clock runs a little behind still accepts the certificate. */
const BACKDATE_MS = 60 * 60 * 1000;

type SubjectAltName = { type: 2; value: string } | { type: 7; ip: string };

function altNames(host: string): SubjectAltName[] {
  const names: SubjectAltName[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  const known = ['localhost', '127.0.0.1', '::1', '0.0.0.0', '::'];
  if (!known.includes(host)) names.push(isIP(host) === 0 ? { type: 2, value: host } : { type: 7, ip: host });
  return names;
}

/** EC P-256 rather than RSA: generation takes ~30 ms instead of ~400 ms, which matters for test start-up. */
export async function generateTlsMaterial(host: string): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - BACKDATE_MS);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'Graph presence simulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(host) },
    ],
  });
  return { keyPem: pems.private, certPem: pems.cert };
}
