// Trade documents: identifiers, schemas, kinds and their JSON Schemas, example references.
export * from './identifiers.js';
export * from './limits.js';
export { parseWith } from './schema-kit.js';
export * from './governance.js';
export * from './certificate.js';
export * from './verification.js';
export * from './ip-rights.js';
export * from './credential.js';
export * from './entry.js';
export * from './attachment.js';
export * from './kinds.js';
export * from './example-refs.js';
