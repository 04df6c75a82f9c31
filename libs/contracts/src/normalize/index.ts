export * from './field-path';
export * from './issue-list';
export * from './key-case';
export * from './proto-meta';
export * from './proto-fields';
export * from './proto-json.normalizer';
export * from './zod-issues';
export * from './parse-proto-json';
