import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../src/simulator/tls.js';

describe('generateTlsMaterial', () => {
  it('makes a certificate for loopback names and the bind host, with its key', async () => {
    const material = await generateTlsMaterial('sim.example.test');
    const certificate = new X509Certificate(material.certPem);
    expect(certificate.subjectAltName).toContain('DNS:localhost');
    expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(certificate.subjectAltName).toContain('DNS:sim.example.test');
    expect(certificate.checkHost('sim.example.test')).toBe('sim.example.test');
    expect(material.keyPem).toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
  });

  it('adds an IP bind host as an IP name, and no duplicate for the known ones', async () => {
    const ip = new X509Certificate((await generateTlsMaterial('10.1.2.3')).certPem);
    expect(ip.checkIP('10.1.2.3')).toBe('10.1.2.3');
    const loopback = new X509Certificate((await generateTlsMaterial('127.0.0.1')).certPem);
    expect(loopback.subjectAltName?.split('127.0.0.1')).toHaveLength(2);
  });
});
