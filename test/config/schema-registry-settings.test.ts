import { describe, expect, it } from 'vitest';
import { checkRegistryUrl, schemaRegistrySchema } from '../../src/config/schema-registry-settings.js';

describe('checkRegistryUrl', () => {
  it('accepts http and https base URLs, with a path', () => {
    expect(checkRegistryUrl('https://psrc-abc12.westeurope.azure.confluent.cloud')).toBeUndefined();
    expect(checkRegistryUrl('http://127.0.0.1:8080/apis/ccompat/v7')).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(checkRegistryUrl('registry:8081')).toMatch(/must be an http:\/\/ or https:\/\/ URL|is not a URL/);
    expect(checkRegistryUrl('https://k:s@host')).toMatch(/must not contain credentials/);
    expect(checkRegistryUrl('https://host/#x')).toMatch(/must not have a query or fragment/);
  });
});

describe('schemaRegistrySchema', () => {
  it('requires the URL and fills in the defaults', () => {
    expect(schemaRegistrySchema.safeParse({}).success).toBe(false);
    expect(schemaRegistrySchema.parse({ url: 'http://r:8081' })).toEqual({
      url: 'http://r:8081',
      subjectNameStrategy: 'TopicNameStrategy',
      autoRegister: true,
      requestTimeoutMs: 10_000,
    });
  });

  it('knows the three subject name strategies and no other', () => {
    for (const strategy of ['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy'])
      expect(schemaRegistrySchema.safeParse({ url: 'http://r', subjectNameStrategy: strategy }).success).toBe(true);
    expect(schemaRegistrySchema.safeParse({ url: 'http://r', subjectNameStrategy: 'topic' }).success).toBe(false);
  });
});
