// The one place the dashboard takes the API's shapes from. Types only: nothing here reaches the browser bundle.
export type { JobStatus, JobView, ResourceImageView, ApiErrorBody, ApiErrorDetail } from '@darkroom/contracts';
export type {
  AdminFailuresResponse,
  AdminModelsResponse,
  AdminModelView,
  AdminPlansResponse,
  AdminPricesResponse,
  AdminQueueResponse,
  AdminTenantResponse,
  AdminTenantRow,
  AdminTenantsResponse,
  AdminWorkersResponse,
  ApiKeysResponse,
  ApiKeyView,
  AppCredentialsResponse,
  AppCredentialView,
  BillingStatusResponse,
  CheckoutResponse,
  CreateApiKeyResponse,
  CreateInviteResponse,
  DashboardModelsResponse,
  FailedJobView,
  FailureGroupView,
  GrantCreditsResponse,
  InviteLookupResponse,
  InviteView,
  JobChangeEvent,
  JobsResponse,
  JobSummary,
  LedgerEntryView,
  LedgerKind,
  LedgerResponse,
  MembersResponse,
  MemberView,
  MeResponse,
  MintModelAccessKeyResponse,
  ModelAccessKeyView,
  ModelUploadTarget,
  OwnModelView,
  PoolView,
  OverviewResponse,
  PaymentsResponse,
  PaymentView,
  PlanView,
  PlaygroundOptionsResponse,
  PriceVersionView,
  QueuePoolView,
  RotateWebhookSecretResponse,
  SessionUser,
  StartModelUploadResponse,
  TenantLimitsView,
  TenantSummary,
  UserRole,
  WebhookDeliveryResponse,
  WebhookDeliveryView,
  WebhooksResponse,
  WorkerView,
} from '@darkroom/contracts';

import type { JobView } from '@darkroom/contracts';
import type { JobSummary } from '@darkroom/contracts';

/** GET /dashboard-api/jobs/:id */
export interface JobDetailResponse {
  job: JobView;
  summary: JobSummary;
  request: unknown;
}
