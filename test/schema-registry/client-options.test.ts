import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { registryClientOptions } from '../../src/schema-registry/client-options.js';

const base = { url: 'https://sr.example.com', subjectNameStrategy: 'TopicNameStrategy', autoRegister: true } as const;

describe('registryClientOptions', () => {
  it('passes URL, timeout and CA, and reveals basic-auth secrets for the HTTP client only', () => {
    const options = registryClientOptions({
      ...base,
      requestTimeoutMs: 5_000,
      caPem: 'PEM',
      auth: { kind: 'basic', username: new Secret('key'), password: new Secret('secret') },
    });
    expect(options).toEqual({
      url: 'https://sr.example.com',
      requestTimeoutMs: 5_000,
      caPem: 'PEM',
      auth: { kind: 'basic', username: 'key', password: 'secret' },
    });
  });

  it('reveals a bearer token, and sets no auth or CA when none is configured', () => {
    expect(
      registryClientOptions({ ...base, requestTimeoutMs: 1, auth: { kind: 'bearer', token: new Secret('t') } }).auth,
    ).toEqual({ kind: 'bearer', token: 't' });
    expect(registryClientOptions({ ...base, requestTimeoutMs: 1 })).toEqual({
      url: 'https://sr.example.com',
      requestTimeoutMs: 1,
    });
  });
});
