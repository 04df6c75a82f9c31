/**
 * Options for the platform's interactive transactions. Prisma's defaults (2 s to get a connection, 5 s to run)
 * turn a burst of requests into failures on a busy database; these wait longer and fail with a clear error.
 */
export const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

/** Errors that mean "the database is overloaded right now", as opposed to a bug: the caller may retry. */
export function isDatabaseOverloaded(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | null;
  if (!err) return false;
  if (err.code === 'P2024' || err.code === 'P2028' || err.code === 'P2034') return true;
  return /Unable to start a transaction in the given time|Transaction already closed|Unknown transaction status|Timed out fetching a new connection|Transaction API error/i.test(
    err.message ?? '',
  );
}
