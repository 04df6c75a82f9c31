export { FairQueue } from './fair-queue.redis';
export type {
  EnqueueInput,
  FairQueueOptions,
  QueuePosition,
  RequeueInput,
  TakenJob,
  TakeOptions,
  WaitingJob,
} from './fair-queue.types';
export {
  DEFAULT_AFFINITY_WINDOW,
  DEFAULT_LOOKAHEAD,
  MAX_LOOKAHEAD,
  finishTag,
  pickAffinityIndex,
  startTag,
  type AffinityCandidate,
} from './fair-tag.util';
export { POOL_NAME_PATTERN, assertPoolName, isValidPoolName } from './pool-name.util';
export { poolKeys, type PoolKeys } from './pool-keys.util';
export { QueueError, type QueueErrorCode } from './queue.errors';
