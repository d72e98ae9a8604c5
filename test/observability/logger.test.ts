/** The logger's redaction list: credentials are blanked wherever a library or a log call puts them. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from '../../src/observability/logger.js';

describe('the redaction list', () => {
  function logged(record: Record<string, unknown>): string {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.toString('utf8');
        callback();
      },
    });
    createLogger({ level: 'debug', destination }).info(record, 'record');
    return out;
  }

  it('blanks credentials wherever a library or a log call puts them', () => {
    const secret = 'SECRET-VALUE-123';
    const records: Array<Record<string, unknown>> = [
      { authorization: `Bearer ${secret}` },
      { request: { headers: { authorization: `Bearer ${secret}` } } },
      { err: { request: { headers: { Authorization: `Bearer ${secret}` } } } },
      { headers: { 'proxy-authorization': `Basic ${secret}` } },
      { request: { headers: { 'proxy-authorization': `Basic ${secret}` } } },
      { token: secret },
      { result: { accessToken: secret } },
      { body: { access_token: secret, refresh_token: secret, id_token: secret } },
      { form: { client_secret: secret, client_assertion: secret } },
      { kafka: { sasl: { password: secret } } },
      { sasl: { password: secret } },
      { ssl: { key: secret, passphrase: secret } },
      { options: { ssl: { key: secret } } },
      { credential: { clientSecret: secret, privateKey: secret, privateKeyPem: secret } },
      { password: secret },
    ];
    for (const record of records) expect(logged(record), JSON.stringify(Object.keys(record))).not.toContain(secret);
    expect(REDACTED_PATHS.length).toBeGreaterThan(20);
  });
});
