import { z } from 'zod';
import type { UserRole } from './dashboard.contract';

// Members and invitations, RSA app credentials and webhooks: the tenant's settings pages of the dashboard.

const trimmedName = (max: number) => z.string().trim().min(1, 'is required').max(max, `must have at most ${max} characters`);

export const inviteMemberRequestSchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254, 'must have at most 254 characters').pipe(z.email('must be an email address')),
});
export type InviteMemberRequest = z.input<typeof inviteMemberRequestSchema>;

export const acceptInviteRequestSchema = z.strictObject({
  password: z.string().min(10, 'must have at least 10 characters').max(200, 'must have at most 200 characters'),
});
export type AcceptInviteRequest = z.input<typeof acceptInviteRequestSchema>;

/** PEM text of an RSA public key (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"); the API parses and checks it. */
export const createAppCredentialRequestSchema = z.strictObject({
  name: trimmedName(60),
  publicKeyPem: z.string().trim().min(1, 'is required').max(16_384, 'must have at most 16384 characters'),
});
export type CreateAppCredentialRequest = z.input<typeof createAppCredentialRequestSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookDeliveriesQuerySchema = z.strictObject({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  /** The createdAt of the last delivery of the previous page. */
  before: z.iso.datetime({ message: 'must be a cursor from a previous page' }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type WebhookDeliveriesQuery = z.input<typeof webhookDeliveriesQuerySchema>;

// ---- answers ----

export interface MemberView {
  id: string;
  email: string;
  role: UserRole;
  createdAt: string;
  lastLoginAt: string | null;
}
export type InviteStatus = 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED';
export interface InviteView {
  id: string;
  email: string;
  role: UserRole;
  status: InviteStatus;
  createdAt: string;
  expiresAt: string;
}
export interface MembersResponse {
  members: MemberView[];
  /** Invitations not yet accepted or revoked (pending or expired), newest first. */
  invites: InviteView[];
}
/** The token is in this answer only (the API keeps its SHA-256); `path` is the dashboard page that accepts it. */
export interface CreateInviteResponse {
  invite: InviteView;
  token: string;
  path: string;
}
/** GET /dashboard-api/invites/:token: what the person invited sees before choosing a password. */
export interface InviteLookupResponse {
  email: string;
  tenantName: string;
  expiresAt: string;
}

export interface AppCredentialView {
  id: string;
  appId: string;
  name: string;
  /** SHA-256 of the key's DER (SPKI) encoding, hex in pairs: compare it with `openssl pkey -pubin -outform DER | sha256sum`. */
  fingerprint: string;
  keyBits: number;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface AppCredentialsResponse {
  credentials: AppCredentialView[];
}

export interface WebhookDeliveryView {
  id: string;
  messageId: string;
  jobId: string;
  url: string;
  event: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  maxAttempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** When the next automatic attempt is due (about: retries wait a little longer at random); null when none. */
  nextAttemptAt: string | null;
}
export interface WebhookAttemptView {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  createdAt: string;
}
export interface WebhooksResponse {
  /** The end of the signing secret, so that a person can tell which one their program holds. */
  secretHint: string;
  /** Waits between attempts (ms) of this deployment. */
  retryDelaysMs: number[];
  deliveries: WebhookDeliveryView[];
  nextBefore: string | null;
}
export interface WebhookDeliveryResponse {
  delivery: WebhookDeliveryView;
  attempts: WebhookAttemptView[];
  payload: unknown;
}
/** The new secret is in this answer only. */
export interface RotateWebhookSecretResponse {
  secret: string;
  secretHint: string;
}
