export * from './job-runner';
export * from './seeds';
export * from './placeholder-runner';
export * from './onnx-job-runner';
