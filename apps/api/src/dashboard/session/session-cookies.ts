import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@darkroom/contracts';
import { CSRF_COOKIE, serializeCookie, SESSION_COOKIE } from './cookies';
import { viewAsCookieValue, VIEW_AS_COOKIE } from './impersonation';
import { csrfTokenFor, issueSession, SESSION_TTL_SEC } from './session-token';

/** Secure cookies whenever the browser talks HTTPS to us (directly or through a proxy that says so). */
const isHttps = (req: FastifyRequest) => req.protocol === 'https';

/** Starts a session: the HTTP-only session cookie and the script-readable CSRF cookie. Returns the cookie value. */
export function startSession(key: Buffer, req: FastifyRequest, reply: FastifyReply, userId: string): string {
  const { value } = issueSession(key, userId);
  const secure = isHttps(req);
  void reply.header('set-cookie', [
    serializeCookie(SESSION_COOKIE, value, { maxAgeSec: SESSION_TTL_SEC, httpOnly: true, secure }),
    serializeCookie(CSRF_COOKIE, csrfTokenFor(key, value), { maxAgeSec: SESSION_TTL_SEC, httpOnly: false, secure }),
  ]);
  void reply.header('cache-control', 'no-store');
  return value;
}

export function endSession(req: FastifyRequest, reply: FastifyReply): void {
  const secure = isHttps(req);
  void reply.header('set-cookie', [
    serializeCookie(SESSION_COOKIE, '', { maxAgeSec: 0, httpOnly: true, secure }),
    serializeCookie(CSRF_COOKIE, '', { maxAgeSec: 0, httpOnly: false, secure }),
    serializeCookie(VIEW_AS_COOKIE, '', { maxAgeSec: 0, httpOnly: true, secure }),
  ]);
}

/** Starts (tenantId) or ends (null) an admin's read-only view of a tenant, for this session only. */
export function setViewAs(key: Buffer, req: FastifyRequest, reply: FastifyReply, sessionValue: string, tenantId: string | null): void {
  const secure = isHttps(req);
  const value = tenantId ? viewAsCookieValue(key, sessionValue, tenantId) : '';
  void reply.header('set-cookie', serializeCookie(VIEW_AS_COOKIE, value, { maxAgeSec: tenantId ? SESSION_TTL_SEC : 0, httpOnly: true, secure }));
}

/**
 * Sign-up and sign-in run before there is a session to bind a CSRF token to: they accept JSON only, which a
 * cross-site HTML form cannot send (and SameSite=Lax keeps cross-site requests from carrying our cookies).
 */
export function requireJson(req: FastifyRequest): void {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json')) {
    throw DomainError.invalid([{ field: 'content-type', rule: 'content_type', message: 'must be application/json' }]);
  }
}
