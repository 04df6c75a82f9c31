// The error vocabulary of the API, in one import: gRPC codes, field issues, the error body and DomainError.
export * from './errors';
