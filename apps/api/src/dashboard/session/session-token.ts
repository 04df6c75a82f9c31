import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session cookies are stateless and signed: `v1.<userId>.<expiresAt>.<nonce>.<mac>`, MAC = HMAC-SHA256 over the
 * first four parts. The nonce names the session (sign-out puts it on a deny list until it expires); the CSRF
 * token is a second HMAC of the whole cookie value, so it can neither be guessed nor planted without the key.
 */
export interface SessionClaims {
  userId: string;
  /** Unix seconds. */
  expiresAt: number;
  nonce: string;
}

export const SESSION_TTL_SEC = 7 * 24 * 3600;
const VERSION = 'v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The signing key: the dedicated secret when set, else one derived from URL_SIGNING_SECRET (never the same key). */
export function sessionKey(dedicated: string | undefined, urlSigningSecret: string): Buffer {
  const ikm = dedicated ?? urlSigningSecret;
  return Buffer.from(hkdfSync('sha256', ikm, 'darkroom', 'dashboard-session-v1', 32));
}

const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function issueSession(key: Buffer, userId: string, nowSec = Math.floor(Date.now() / 1000), ttlSec = SESSION_TTL_SEC): { value: string; claims: SessionClaims } {
  const claims: SessionClaims = { userId, expiresAt: nowSec + ttlSec, nonce: randomBytes(16).toString('base64url') };
  const body = `${VERSION}.${claims.userId}.${claims.expiresAt}.${claims.nonce}`;
  return { value: `${body}.${mac(key, body)}`, claims };
}

/** The claims of a well-formed, correctly signed, unexpired cookie value; null otherwise. */
export function verifySession(key: Buffer, value: string | undefined, nowSec = Math.floor(Date.now() / 1000)): SessionClaims | null {
  if (!value || value.length > 256) return null;
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return null;
  const [, userId, expires, nonce, signature] = parts;
  if (!UUID.test(userId) || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) return null;
  if (!sameText(signature, mac(key, parts.slice(0, 4).join('.')))) return null;
  const expiresAt = Number(expires);
  if (expiresAt <= nowSec) return null;
  return { userId, expiresAt, nonce };
}

export const csrfTokenFor = (key: Buffer, sessionValue: string) => mac(key, `csrf:${sessionValue}`);

export function csrfTokenMatches(key: Buffer, sessionValue: string, token: string | undefined): boolean {
  return !!token && sameText(token, csrfTokenFor(key, sessionValue));
}
