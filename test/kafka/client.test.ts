import { describe, expect, it } from 'vitest';
import { kafkaSecurityHint, tlsConnectionOptions } from '../../src/kafka/client.js';

describe('tlsConnectionOptions', () => {
  it('passes the CA, the client certificate, the revealed key and the server name to tls.connect', () => {
    expect(
      tlsConnectionOptions({
        rejectUnauthorized: true,
        caPem: 'CA',
        certificatePem: 'CERT',
        privateKey: { reveal: () => 'KEY' },
        servername: 'broker.internal',
      }),
    ).toEqual({ rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY', servername: 'broker.internal' });
  });

  it("leaves out what is not configured, so Node's public roots apply", () => {
    expect(tlsConnectionOptions({ rejectUnauthorized: false })).toEqual({ rejectUnauthorized: false });
  });
});

describe('kafkaSecurityHint', () => {
  it('names the setting to fix for the usual TLS and SASL failures', () => {
    expect(kafkaSecurityHint('unable to verify the first certificate')).toMatch(/kafka\.tls\.caFile/);
    expect(kafkaSecurityHint("Hostname/IP does not match certificate's altnames")).toMatch(/servername/);
    expect(kafkaSecurityHint('SSL alert number 42')).toMatch(/client certificate/);
    expect(kafkaSecurityHint('wrong version number')).toMatch(/kafka\.tls\.enabled/);
    expect(kafkaSecurityHint('SASL SCRAM SHA512 authentication failed')).toMatch(/kafka\.sasl/);
    expect(kafkaSecurityHint('UNSUPPORTED_SASL_MECHANISM')).toMatch(/mechanism/);
  });

  it('gives no hint for failures that are not about security', () => {
    expect(kafkaSecurityHint('Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBeUndefined();
  });
});
