import type { UserRole } from '@darkroom/contracts';
import type { SessionClaims } from './session-token';

/** The signed-in dashboard user, as every guarded handler sees it. */
export interface DashboardUser {
  id: string;
  email: string;
  role: UserRole;
  tenantId: string;
}

export interface DashboardSession {
  user: DashboardUser;
  claims: SessionClaims;
  /** The raw cookie value (the CSRF token is derived from it). */
  cookieValue: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    dashboard?: DashboardSession;
  }
}

export const revokedSessionKey = (prefix: string, nonce: string) => `${prefix}:dash:revoked:${nonce}`;
