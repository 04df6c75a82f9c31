export * from './prisma-client';
export * from './ids';
