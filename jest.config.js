// One Jest run for the whole monorepo. Tests talk to the machine's real Postgres and Redis: each test file gets
// its own database (cloned from a migrated template made once in global setup) and its own Redis key prefix.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, tsx: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/infra'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/\\.next/', '/dist/'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swc], '^.+\\.m?js$': ['@swc/jest', swc] },
  // ESM-only dependencies (Swagger UI's static file server) are compiled to CommonJS for Jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(@fastify/swagger-ui/node_modules|content-disposition|@fastify/static)/)'],
  moduleNameMapper: { '^@darkroom/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/jest-global-teardown.ts',
  setupFiles: ['<rootDir>/libs/testing/src/jest-setup.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
