import { createHash, randomBytes } from 'node:crypto';

/** How long an invitation link works. */
export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const TOKEN = /^dri_[A-Za-z0-9_-]{43}$/;

/** A new invitation token: "dri_" + 256 random bits; only its SHA-256 is stored. */
export function newInviteToken(): { token: string; hash: string } {
  const token = `dri_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashInviteToken(token) };
}

export const hashInviteToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Well-formed tokens only reach the database. */
export const isInviteToken = (token: string) => TOKEN.test(token);

export type InviteState = 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED';

export function inviteState(i: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }, now = new Date()): InviteState {
  if (i.acceptedAt) return 'ACCEPTED';
  if (i.revokedAt) return 'REVOKED';
  return i.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'PENDING';
}
