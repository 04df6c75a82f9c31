export * from './job-runner';
export * from './seeds';
export * from './placeholder-runner';
