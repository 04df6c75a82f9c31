import { QueueError } from './queue.errors';

/** Pool names come from config and end up inside Redis keys and hash tags, so they are kept plain. */
export const POOL_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;

export function isValidPoolName(name: string): boolean {
  return POOL_NAME_PATTERN.test(name);
}

export function assertPoolName(name: string): void {
  if (typeof name !== 'string' || !isValidPoolName(name)) {
    throw new QueueError('INVALID_POOL', `invalid pool name ${JSON.stringify(name)}: expected [a-z0-9-]{1,32}`);
  }
}
