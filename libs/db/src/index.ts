export * from './prisma-client';
export * from './ids';
export * from './transactions';
export * from './sql-pool';
