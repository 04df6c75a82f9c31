import type { DeliveryRepository } from './delivery-repository';

export interface RequeuePendingDeps {
  deliveries: Pick<DeliveryRepository, 'listPendingIds'>;
  dispatcher: { enqueue(deliveryId: string): Promise<void> };
}

/**
 * Re-enqueues deliveries that Postgres says are pending and that are older than `olderThanMs`: the ones whose
 * enqueue was lost (Redis down at the time, a crash between the insert and the enqueue). Deliveries that BullMQ
 * still holds (waiting, delayed for a retry, running) are untouched, since the BullMQ job id is the delivery id.
 * Returns how many ids were offered to the queue.
 */
export async function requeuePendingDeliveries(
  deps: RequeuePendingDeps,
  options: { olderThanMs: number; limit: number; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  const ids = await deps.deliveries.listPendingIds(new Date(now.getTime() - options.olderThanMs), options.limit);
  for (const id of ids) await deps.dispatcher.enqueue(id);
  return ids.length;
}
