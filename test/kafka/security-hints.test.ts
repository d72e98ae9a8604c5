import { describe, expect, it } from 'vitest';
import { kafkaSecurityHint } from '../../src/kafka/security-hints.js';

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
