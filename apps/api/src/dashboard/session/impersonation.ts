import { createHmac, timingSafeEqual } from 'node:crypto';
import { SetMetadata } from '@nestjs/common';

/**
 * Read-only impersonation: an admin views a tenant's dashboard. The choice lives in its own HTTP-only cookie,
 * `<tenantId>.<HMAC(key, session cookie value + tenantId)>`, so it is bound to the one session that chose it (it
 * dies with sign-out and cannot be moved to another session), and SessionGuard honours it only for admins.
 */
export const VIEW_AS_COOKIE = 'dr_view_as';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mac = (key: Buffer, sessionValue: string, tenantId: string) => createHmac('sha256', key).update(`view-as:${sessionValue}:${tenantId}`).digest('base64url');

export const viewAsCookieValue = (key: Buffer, sessionValue: string, tenantId: string) => `${tenantId}.${mac(key, sessionValue, tenantId)}`;

/** The tenant id of a view-as cookie made for this session; null when absent, malformed or not this session's. */
export function verifyViewAs(key: Buffer, sessionValue: string, cookie: string | undefined): string | null {
  if (!cookie || cookie.length > 200) return null;
  const dot = cookie.indexOf('.');
  const tenantId = cookie.slice(0, dot);
  if (dot < 0 || !UUID.test(tenantId)) return null;
  const given = Buffer.from(cookie.slice(dot + 1));
  const expected = Buffer.from(mac(key, sessionValue, tenantId));
  return given.length === expected.length && timingSafeEqual(given, expected) ? tenantId : null;
}

/** Marks a route that stays open while impersonating (ending the view, signing out); every other change is refused. */
export const ALLOWED_WHILE_IMPERSONATING = 'dashboard:allowed-while-impersonating';
export const AllowedWhileImpersonating = () => SetMetadata(ALLOWED_WHILE_IMPERSONATING, true);
