/**
 * Pins the Confluent Schema Registry behaviour the connector will rely on, against the registry the run provides
 * (env SCHEMA_REGISTRY_URL, testcontainers, or the local Apicurio Registry from scripts/registry/). Plain HTTP on
 * purpose, no client library: what is checked is the registry's wire contract, not a client's reading of it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { expect, it } from 'vitest';
import { describeWithRegistry, registryUrl, uniqueSubject } from '../support/registry.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const schemaText = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'presence-change.avsc'),
  'utf8',
);

interface RegistryAnswer {
  status: number;
  body: unknown;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RegistryAnswer> {
  const response = await request(`${registryUrl()}${path}`, {
    method,
    headers: { accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  // An error page that is not JSON is a finding in itself: show it rather than a parse error.
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text for the assertion message.
  }
  return { status: response.statusCode, body: parsed };
}

function idOf(answer: RegistryAnswer): number {
  expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 200, body: { id: expect.any(Number) } });
  return (answer.body as { id: number }).id;
}

describeWithRegistry('the schema registry speaks the Confluent API the connector relies on', () => {
  it('registers the event schema once: the same text again gives the same id, and the id gives the schema', async () => {
    const subject = uniqueSubject('launcher');
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    const id = idOf(await call('POST', path, { schema: schemaText }));
    expect(idOf(await call('POST', path, { schema: schemaText }))).toBe(id);

    const fetched = await call('GET', `/schemas/ids/${id}`);
    expect(fetched.status, JSON.stringify(fetched.body)).toBe(200);
    const { schema } = fetched.body as { schema: string };
    // The registry may reformat the text; what a reader gets must be the same schema, attributes and all.
    expect(JSON.parse(schema)).toEqual(JSON.parse(schemaText));
  });

  it('answers a lookup under an unknown subject with 404 and error code 40401', async () => {
    const answer = await call('POST', `/subjects/${encodeURIComponent(uniqueSubject('unknown'))}`, {
      schema: schemaText,
    });
    expect(answer).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });
});
