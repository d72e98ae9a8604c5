import { describe, expect, it } from 'vitest';
import { tenantSchema } from '../../src/config/schema-tenant.js';

const clientId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

function paths(input: unknown): string[] {
  return tenantSchema.safeParse(input).error?.issues.map((issue) => issue.path.join('.')) ?? [];
}

describe('tenant schema', () => {
  it('takes a tenant GUID or domain and a client GUID', () => {
    expect(paths({ id: 'contoso.onmicrosoft.com', clientId })).toEqual([]);
    expect(paths({ id: 'not a tenant', clientId: 'x' })).toEqual(['id', 'clientId']);
  });

  it('checks the certificate thumbprint format and refuses unknown keys', () => {
    const thumbprintSha256 = 'ab'.repeat(32);
    expect(paths({ id: 'contoso.onmicrosoft.com', clientId, certificate: { thumbprintSha256 } })).toEqual([]);
    expect(paths({ id: 'contoso.onmicrosoft.com', clientId, certificate: { thumbprintSha256: 'ab' } })).toEqual([
      'certificate.thumbprintSha256',
    ]);
    expect(paths({ id: 'contoso.onmicrosoft.com', clientId, secret: 'x' })).toEqual(['']);
  });
});
