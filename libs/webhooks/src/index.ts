export { generateWebhookSecret, signPayload, type SignedHeaders } from './webhook-signer';
export { classifyAddress, ipv6ToBytes, type AddressCategory, type AddressClass } from './ip-ranges';
export {
  checkAddress,
  checkWebhookUrl,
  resolveAndCheck,
  STRICT_ADDRESS_POLICY,
  systemResolver,
  WebhookAddressError,
  type AddressPolicy,
  type HostResolver,
  type ResolvedAddress,
  type VettedTarget,
  type WebhookAddressErrorCode,
} from './address-guard';
export {
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  MAX_RESPONSE_BYTES,
  sendWebhook,
  type SendWebhookInput,
  type SendWebhookResult,
} from './webhook-sender';
export {
  DeliveryRepository,
  MAX_DELIVERY_PAGE,
  newMessageId,
  type AttemptOutcome,
  type CreateDeliveryInput,
  type DeliveryStatus,
  type DeliveryToSend,
} from './delivery-repository';
export {
  DEFAULT_RETRY_DELAYS_MS,
  DELIVER_JOB,
  WEBHOOK_QUEUE,
  WebhookDispatcher,
  type DeliverJobData,
  type WebhookDispatcherOptions,
  type WebhookLogger,
} from './webhook-dispatcher';
export {
  JOB_STATUS_EVENT,
  notifyJobStatus,
  type JobStatusNotification,
  type NotifyJobStatusDeps,
} from './notify-job-status';
export { requeuePendingDeliveries, type RequeuePendingDeps } from './requeue-pending-deliveries';
