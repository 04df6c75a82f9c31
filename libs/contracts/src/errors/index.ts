export * from './grpc-code';
export * from './field-issue';
export * from './error-body';
export * from './domain-error';
