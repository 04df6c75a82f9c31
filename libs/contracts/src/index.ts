export * from './api-error';
export * from './normalize';
export * from './jobs';
export * from './resources/create-resource.schema';
export * from './responses';
export * from './hash/request-hash';
export * from './openapi/openapi-document';
export * from './dashboard/dashboard.contract';
