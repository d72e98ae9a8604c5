import { describe, expect, it } from 'vitest';
import * as registry from '../../src/schema-registry/index.js';

describe('src/schema-registry public surface', () => {
  it('exports the names the worker, the CLI and the tests are wired against', () => {
    // A re-export file: this pins its surface, since callers in other folders may import only through it.
    expect(Object.keys(registry).sort()).toEqual([
      'REGISTRY_UNAVAILABLE',
      'SUBJECT_NAME_STRATEGIES',
      'SchemaRegistryClient',
      'explainIncompatibility',
      'frameConfluent',
      'parseConfluentFrame',
      'registerEventSchema',
      'registryClientOptions',
      'subjectName',
      'waitForEventSchema',
    ]);
  });
});
