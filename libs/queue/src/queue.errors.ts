/** Codes of the queue's domain errors; the API maps them to its own error shape. */
export type QueueErrorCode = 'INVALID_POOL' | 'INVALID_ARGUMENT';

export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QueueError';
  }
}
