import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { inspect } from 'node:util';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, summarizeConfig, formatSummary } from '../../src/config/index.js';
import { CLIENT_ID, fixture, minimalLines, removeTempDirs, SECRET_VALUE } from './support.js';

afterAll(removeTempDirs);

interface Material {
  keyPem: string;
  certPem: string;
  /** Lowercase hex, no colons. */
  thumbprint: string;
  /** As openssl prints it: uppercase with colons. */
  thumbprintColons: string;
}

let material: Material;
let otherKeyPem: string;

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: 'presence-connector-test' }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const fingerprint = new X509Certificate(pems.cert).fingerprint256;
  material = {
    keyPem: pems.private,
    certPem: pems.cert,
    thumbprint: fingerprint.replaceAll(':', '').toLowerCase(),
    thumbprintColons: fingerprint,
  };
  otherKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
});

function withTenant(tenantLines: string[]): string[] {
  return [
    'tenant:',
    '  id: contoso.onmicrosoft.com',
    `  clientId: ${CLIENT_ID}`,
    ...tenantLines,
    ...minimalLines().slice(3),
  ];
}

describe('client secret', () => {
  it('from the environment', () => {
    const config = fixture(minimalLines()).load();
    expect(config.tenant.clientSecret?.reveal()).toBe(SECRET_VALUE);
    expect(config.tenant.credentialSource).toBe('env PRESENCE_TENANT_CLIENT_SECRET');
  });

  it('from tenant.clientSecretFile, relative to the config file, trimmed', () => {
    const { load } = fixture(
      withTenant(['  clientSecretFile: secrets/client-secret']),
      { 'secrets/client-secret': '  s3cr3t-from-file\n' },
      {},
    );
    const config = load();
    expect(config.tenant.clientSecret?.reveal()).toBe('s3cr3t-from-file');
    expect(config.tenant.credentialSource).toBe('file secrets/client-secret');
    // Kept (absolute) so that a rotated secret can be read again without a restart.
    expect(config.tenant.clientSecret?.file).toBe(path.join(path.dirname(config.configFile), 'secrets/client-secret'));
  });

  it('from PRESENCE_TENANT_CLIENT_SECRET_FILE', () => {
    const { dir, load } = fixture(minimalLines(), { 'mounted/secret': 'mounted-secret' }, {});
    const file = path.join(dir, 'mounted/secret');
    const config = load({ env: { PRESENCE_TENANT_CLIENT_SECRET_FILE: file } });
    expect(config.tenant.clientSecret?.reveal()).toBe('mounted-secret');
    expect(config.tenant.credentialSource).toBe(`file ${file}`);
    expect(config.tenant.clientSecret?.file).toBe(file);
  });

  it('missing is an error at tenant:, saying where to put it', () => {
    const { lines } = fixture(minimalLines(), {}, {});
    expect(lines()).toEqual([
      'config.yaml:1:1 tenant: no credential: set the environment variable PRESENCE_TENANT_CLIENT_SECRET, or tenant.clientSecretFile (env PRESENCE_TENANT_CLIENT_SECRET_FILE), or configure tenant.certificate',
    ]);
  });

  it('written literally in the config file is an error that says where to put it, and never echoes it', () => {
    const literal = 'literal-secret-in-file';
    const { lines, message } = fixture(withTenant([`  clientSecret: ${literal}`]), {}, {});
    expect(lines()).toEqual([
      'config.yaml:4:3 tenant.clientSecret: secrets must not be written in the config file: set the environment variable PRESENCE_TENANT_CLIENT_SECRET, or write it to a file and set tenant.clientSecretFile (or env PRESENCE_TENANT_CLIENT_SECRET_FILE)',
    ]);
    expect(message()).not.toContain(literal);
    // Still an error when the environment holds the secret as well.
    expect(fixture(withTenant([`  clientSecret: ${literal}`])).lines()).toHaveLength(1);
  });

  it('both the variable and a file is an error', () => {
    const { lines } = fixture(withTenant(['  clientSecretFile: secret.txt']), { 'secret.txt': 'x' });
    expect(lines()).toEqual([
      'config.yaml:4:21 tenant.clientSecretFile: set either PRESENCE_TENANT_CLIENT_SECRET or tenant.clientSecretFile, not both',
    ]);
  });

  it('an empty or unreadable secret file is an error naming the file', () => {
    expect(fixture(withTenant(['  clientSecretFile: empty.txt']), { 'empty.txt': '\n \n' }, {}).lines()).toEqual([
      'config.yaml:4:21 tenant.clientSecretFile: empty.txt is empty',
    ]);
    expect(fixture(withTenant(['  clientSecretFile: nope.txt']), {}, {}).lines()).toEqual([
      'config.yaml:4:21 tenant.clientSecretFile: cannot read nope.txt: ENOENT: no such file or directory',
    ]);
  });

  it('a secret and a certificate together is an error', () => {
    const { lines } = fixture(
      withTenant(['  certificate:', '    privateKeyFile: key.pem', `    thumbprintSha256: ${material.thumbprint}`]),
      { 'key.pem': material.keyPem },
    );
    expect(lines()).toEqual([
      'config.yaml:4:3 tenant.certificate: configure either a client secret or a certificate, not both',
    ]);
  });
});

describe('certificate', () => {
  it('from a key file, with the certificate for x5c; the thumbprint may carry colons', () => {
    const { load } = fixture(
      withTenant([
        '  certificate:',
        '    privateKeyFile: keys/graph.key.pem',
        `    thumbprintSha256: "${material.thumbprintColons}"`,
        '    certificateFile: keys/graph.crt.pem',
      ]),
      { 'keys/graph.key.pem': material.keyPem, 'keys/graph.crt.pem': material.certPem },
      {},
    );
    const config = load();
    expect(config.tenant.clientSecret).toBeUndefined();
    const certificate = config.tenant.certificate;
    expect(certificate?.privateKey).toBeInstanceOf(Secret);
    expect(certificate?.privateKey.reveal()).toBe(material.keyPem.trim());
    expect(certificate?.thumbprintSha256).toBe(material.thumbprint);
    expect(certificate?.certificatePem).toBe(material.certPem);
    expect(config.tenant.credentialSource).toBe('file keys/graph.key.pem');
  });

  it('from PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY with literal \\n sequences, without a certificate file', () => {
    const escaped = material.keyPem.trim().replaceAll('\n', '\\n');
    const { load } = fixture(withTenant(['  certificate:', `    thumbprintSha256: ${material.thumbprint}`]), {}, {});
    const config = load({ env: { PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY: escaped } });
    expect(config.tenant.certificate?.privateKey.reveal()).toBe(material.keyPem.trim());
    expect(config.tenant.certificate?.certificatePem).toBeUndefined();
    expect(config.tenant.credentialSource).toBe('env PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY');
  });

  it('entirely from the environment', () => {
    const lines = minimalLines();
    const config = fixture(lines, { 'k.pem': material.keyPem }, {}).load({
      env: {
        PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY: material.keyPem,
        PRESENCE_TENANT_CERTIFICATE_THUMBPRINT_SHA256: material.thumbprint,
      },
    });
    expect(config.tenant.certificate?.thumbprintSha256).toBe(material.thumbprint);
  });

  it('a thumbprint or key that does not match the certificate file is an error', () => {
    const wrongThumbprint = 'ab'.repeat(32);
    const { lines } = fixture(
      withTenant([
        '  certificate:',
        '    privateKeyFile: other.key.pem',
        `    thumbprintSha256: ${wrongThumbprint}`,
        '    certificateFile: graph.crt.pem',
      ]),
      { 'other.key.pem': otherKeyPem, 'graph.crt.pem': material.certPem },
      {},
    );
    expect(lines()).toEqual([
      'config.yaml:5:21 tenant.certificate.privateKeyFile: the private key does not belong to the certificate in graph.crt.pem',
      `config.yaml:6:23 tenant.certificate.thumbprintSha256: does not match the certificate in graph.crt.pem (its SHA-256 thumbprint is ${material.thumbprint})`,
    ]);
  });

  it('needs a private key; a literal one in the file says where to put it', () => {
    const missing = fixture(withTenant(['  certificate:', `    thumbprintSha256: ${material.thumbprint}`]), {}, {});
    expect(missing.lines()).toEqual([
      'config.yaml:4:3 tenant.certificate: needs a private key: set the environment variable PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY, or tenant.certificate.privateKeyFile (env PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY_FILE)',
    ]);
    const literal = fixture(
      withTenant([
        '  certificate:',
        '    privateKey: "-----BEGIN PRIVATE KEY-----"',
        `    thumbprintSha256: ${material.thumbprint}`,
      ]),
      {},
      {},
    );
    expect(literal.lines()).toEqual([
      'config.yaml:5:5 tenant.certificate.privateKey: secrets must not be written in the config file: set the environment variable PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY, or write it to a file and set tenant.certificate.privateKeyFile (or env PRESENCE_TENANT_CERTIFICATE_PRIVATE_KEY_FILE)',
    ]);
  });

  it('rejects keys MSAL cannot use and malformed thumbprints', () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    const cases: [string, string, string][] = [
      [
        ecKey,
        material.thumbprint,
        'config.yaml:5:21 tenant.certificate.privateKeyFile: must be an RSA private key (got ec)',
      ],
      [
        encrypted,
        material.thumbprint,
        'config.yaml:5:21 tenant.certificate.privateKeyFile: the private key is encrypted; MSAL needs an unencrypted PEM key (openssl pkcs8 -topk8 -nocrypt)',
      ],
      [
        'not a key',
        material.thumbprint,
        'config.yaml:5:21 tenant.certificate.privateKeyFile: is not a PEM private key',
      ],
      [
        material.keyPem,
        'ab'.repeat(20),
        'config.yaml:6:23 tenant.certificate.thumbprintSha256: this is a SHA-1 thumbprint (40 hex digits); MSAL needs the SHA-256 one (64 hex digits): openssl x509 -noout -fingerprint -sha256 -in cert.pem',
      ],
      [
        material.keyPem,
        'xyz',
        "config.yaml:6:23 tenant.certificate.thumbprintSha256: must be the certificate's SHA-256 thumbprint: 64 hex digits (colons allowed)",
      ],
    ];
    for (const [key, thumbprint, expected] of cases) {
      const { lines } = fixture(
        withTenant(['  certificate:', '    privateKeyFile: key.pem', `    thumbprintSha256: ${thumbprint}`]),
        { 'key.pem': key },
        {},
      );
      const reported = lines();
      expect(reported).toHaveLength(1);
      expect(reported[0]?.startsWith(expected)).toBe(true);
    }
  });
});

describe('Secret', () => {
  it('keeps a loaded configuration free of secrets when logged, serialised or summarised', () => {
    const { load } = fixture(
      withTenant(['  certificate:', '    privateKeyFile: key.pem', `    thumbprintSha256: ${material.thumbprint}`]),
      { 'key.pem': material.keyPem },
      {},
    );
    const keyBody = material.keyPem.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    const config = load();
    const secretConfig = fixture(minimalLines()).load();
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: null }),
      formatSummary(summarizeConfig(config)),
      JSON.stringify(summarizeConfig(config)),
    ]) {
      expect(text).not.toContain(keyBody);
    }
    for (const text of [
      JSON.stringify(secretConfig),
      inspect(secretConfig, { depth: null }),
      formatSummary(summarizeConfig(secretConfig)),
    ]) {
      expect(text).not.toContain(SECRET_VALUE);
    }
    expect(JSON.stringify(secretConfig)).toContain('"clientSecret":"[redacted]"');
  });
});
