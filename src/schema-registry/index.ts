export { SchemaRegistryClient, type SchemaRegistryClientOptions } from './client.js';
export { registryClientOptions } from './client-options.js';
export { explainIncompatibility } from './compatibility.js';
export {
  registerEventSchema,
  type EventSchemaRegistration,
  type RegisterEventSchemaArgs,
  type RegistrationClient,
} from './registration.js';
export { REGISTRY_UNAVAILABLE, waitForEventSchema, type WaitForEventSchemaArgs } from './start-up-wait.js';
export { SUBJECT_NAME_STRATEGIES, subjectName, type SubjectNameStrategy } from './subject.js';
export { frameConfluent, parseConfluentFrame } from './wire-format.js';
