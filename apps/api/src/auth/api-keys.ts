import { hash, randomBytes } from 'node:crypto';

/** API keys: `dk_` + 43 characters of base64url (256 random bits). Stored as SHA-256; the prefix is shown. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `dk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

/** One-shot `crypto.hash` (Node ≥ 20.12): no Hash stream object per request. */
export const hashApiKey = (key: string) => hash('sha256', key, 'hex');

export const looksLikeApiKey = (text: string) => /^dk_[A-Za-z0-9_-]{43}$/.test(text);
