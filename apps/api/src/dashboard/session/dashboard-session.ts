import type { UserRole } from '@darkroom/contracts';
import type { SessionClaims } from './session-token';

/** The signed-in dashboard user, as every guarded handler sees it. */
export interface DashboardUser {
  id: string;
  email: string;
  role: UserRole;
  /** The tenant whose data this request sees: the user's own, or the one an admin views read-only. */
  tenantId: string;
}

export interface DashboardSession {
  user: DashboardUser;
  claims: SessionClaims;
  /** The raw cookie value (the CSRF token is derived from it). */
  cookieValue: string;
  /** An admin viewing another tenant's dashboard read-only (user.tenantId is that tenant then). */
  impersonating: { tenantId: string; homeTenantId: string } | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    dashboard?: DashboardSession;
  }
}

export const revokedSessionKey = (prefix: string, nonce: string) => `${prefix}:dash:revoked:${nonce}`;
