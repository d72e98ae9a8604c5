import { afterAll, describe, expect, it } from 'vitest';
import {
  checkBroker,
  checkGuid,
  checkHttpsOrigin,
  checkName,
  checkServerName,
  checkTenantId,
  checkThumbprintSha256,
  checkTopic,
  normalizeThumbprint,
} from '../../src/config/formats.js';
import { fixture, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';

afterAll(removeTempDirs);

function withGraph(graphLines: string[]): string[] {
  return [...minimalLines(), 'graph:', ...graphLines.map((line) => `  ${line}`)];
}

describe('graph.proxyUrl', () => {
  it('accepts an http(s) proxy origin', () => {
    expect(fixture(withGraph(['proxyUrl: http://proxy.example.com:3128'])).load().graph.proxyUrl).toBe(
      'http://proxy.example.com:3128',
    );
    expect(
      fixture(minimalLines(), {}, { ...SECRET_ENV, PRESENCE_GRAPH_PROXY_URL: 'https://proxy:8443' }).load().graph
        .proxyUrl,
    ).toBe('https://proxy:8443');
  });

  it('refuses credentials (they would be printed) and other schemes', () => {
    const message = fixture(withGraph(['proxyUrl: http://user:hunter2@proxy:3128'])).message();
    expect(message).toMatch(/must not contain credentials.*HTTPS_PROXY/);
    expect(fixture(withGraph(['proxyUrl: socks5://proxy:1080'])).message()).toMatch(/http:\/\/ or https:\/\//);
    expect(fixture(withGraph(['proxyUrl: http://proxy:3128/path'])).message()).toMatch(/without a path/);
  });
});

describe('value formats', () => {
  it('GUIDs and names', () => {
    expect(checkGuid('6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11')).toBeUndefined();
    expect(checkGuid('abc')).toBe('"abc" is not a GUID');
    expect(checkName('emea-1.a_b')).toBeUndefined();
    expect(checkName('')).toBe('must not be empty');
    expect(checkName('x'.repeat(101))).toBe('must be at most 100 characters');
    expect(checkName('a b')).toMatch(/may contain only letters/);
  });

  it('Kafka topics', () => {
    expect(checkTopic('presence.changes_v1')).toBeUndefined();
    expect(checkTopic('')).toBe('must be 1 to 249 characters');
    expect(checkTopic('x'.repeat(250))).toBe('must be 1 to 249 characters');
    expect(checkTopic('..')).toMatch(/is not a valid Kafka topic name/);
    expect(checkTopic('a/b')).toMatch(/may contain only/);
  });

  it('tenants: a GUID or a domain, never a multi-tenant alias', () => {
    expect(checkTenantId('contoso.onmicrosoft.com')).toBeUndefined();
    expect(checkTenantId('6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11')).toBeUndefined();
    expect(checkTenantId('Common')).toMatch(/cannot be used for app-only access/);
    expect(checkTenantId('contoso')).toMatch(/neither a tenant GUID nor a domain name/);
    expect(checkTenantId('-bad.com')).toMatch(/neither/);
    expect(checkTenantId('contoso.c0m')).toMatch(/neither/);
  });

  it('brokers: host:port with a port in range, IPv6 in brackets', () => {
    for (const ok of ['localhost:9092', '10.0.0.1:1', '[::1]:65535', 'kafka-0.kafka.svc:9093'])
      expect(checkBroker(ok), ok).toBeUndefined();
    expect(checkBroker('localhost')).toMatch(/is not host:port/);
    expect(checkBroker('localhost:')).toMatch(/is not host:port/);
    expect(checkBroker('::1:9092')).toMatch(/is not host:port/);
    expect(checkBroker('host/x:9092')).toMatch(/is not host:port/);
    expect(checkBroker('localhost:0')).toMatch(/invalid port/);
    expect(checkBroker('localhost:65536')).toMatch(/invalid port/);
    expect(checkBroker('localhost:90a')).toMatch(/invalid port/);
  });

  it('thumbprints: SHA-256 with or without colons; a SHA-1 one is named as such', () => {
    const sha256 = 'AB:'.repeat(31) + 'AB';
    expect(normalizeThumbprint(sha256)).toBe('ab'.repeat(32));
    expect(checkThumbprintSha256(sha256)).toBeUndefined();
    expect(checkThumbprintSha256('a'.repeat(40))).toMatch(/SHA-1 thumbprint/);
    expect(checkThumbprintSha256('z'.repeat(64))).toMatch(/64 hex digits/);
  });

  it('https origins and TLS server names', () => {
    expect(checkHttpsOrigin('https://graph.example.com')).toBeUndefined();
    expect(checkHttpsOrigin('http://graph.example.com')).toBeDefined();
    expect(checkHttpsOrigin('https://graph.example.com/v1.0')).toBeDefined();
    expect(checkServerName('broker.example.com')).toBeUndefined();
    expect(checkServerName('')).toMatch(/1 to 253/);
    expect(checkServerName('broker:9093')).toMatch(/is not a host name/);
  });
});
