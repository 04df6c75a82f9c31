/** Injection tokens of the API's I/O. Everything the services touch comes through one of these. */
export const CONFIG = Symbol('CONFIG');
export const PRISMA = Symbol('PRISMA');
/** node-postgres pool for the hot path of job creation (libs/db sql-pool.ts). */
export const SQL_POOL = Symbol('SQL_POOL');
export const REDIS = Symbol('REDIS');
export const WAIT_QUEUE = Symbol('WAIT_QUEUE');
export const BLOB_STORE = Symbol('BLOB_STORE');
export const URL_SIGNER = Symbol('URL_SIGNER');
export const NOTIFIER = Symbol('NOTIFIER');
export const CANCEL_SIGNAL = Symbol('CANCEL_SIGNAL');
export const LOGGER = Symbol('LOGGER');
export const WEBHOOKS = Symbol('WEBHOOKS');
