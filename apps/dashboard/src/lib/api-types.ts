// The one place the dashboard takes the API's shapes from. Types only: nothing here reaches the browser bundle.
export type { JobStatus, JobView, ResourceImageView, ApiErrorBody, ApiErrorDetail } from '@darkroom/contracts';
export type {
  AdminQueueResponse,
  AdminTenantResponse,
  AdminTenantRow,
  AdminTenantsResponse,
  ApiKeysResponse,
  ApiKeyView,
  BillingStatusResponse,
  CreateApiKeyResponse,
  GrantCreditsResponse,
  JobsResponse,
  JobSummary,
  LedgerEntryView,
  LedgerKind,
  LedgerResponse,
  MeResponse,
  OverviewResponse,
  PlaygroundOptionsResponse,
  QueuePoolView,
  SessionUser,
  TenantSummary,
  UserRole,
} from '@darkroom/contracts';

import type { JobView } from '@darkroom/contracts';
import type { JobSummary } from '@darkroom/contracts';

/** GET /dashboard-api/jobs/:id */
export interface JobDetailResponse {
  job: JobView;
  summary: JobSummary;
  request: unknown;
}
