import type { Prisma } from '@darkroom/db';
import type { DeliveryRepository } from './delivery-repository';

export const JOB_STATUS_EVENT = 'job.status';

export interface NotifyJobStatusDeps {
  deliveries: Pick<DeliveryRepository, 'create'>;
  dispatcher: { enqueue(deliveryId: string): Promise<void> };
}

export interface JobStatusNotification {
  tenantId: string;
  jobId: bigint | string;
  /** The job's notifyUrl. */
  url: string;
  event: typeof JOB_STATUS_EVENT;
  /** The job object as the API answers it: that is the webhook's body. */
  payload: Prisma.InputJsonValue;
}

/**
 * Logs a delivery and queues it; returns the delivery id. Called on every status change after creation
 * (the API on cancel, the worker on RUNNING, SUCCESS and FAILED). The row is written first so that a
 * delivery whose enqueue failed is still on record (DeliveryRepository.listPendingIds finds it).
 */
export async function notifyJobStatus(deps: NotifyJobStatusDeps, notification: JobStatusNotification): Promise<string> {
  const delivery = await deps.deliveries.create({
    tenantId: notification.tenantId,
    jobId: notification.jobId,
    url: notification.url,
    event: notification.event,
    payload: notification.payload,
  });
  await deps.dispatcher.enqueue(delivery.id);
  return delivery.id;
}
