import { randomBytes } from 'node:crypto';
import { hashAccessKey } from '@darkroom/jobs';

/**
 * Model access keys: `dmk_` + 43 characters of base64url (256 random bits). Only the SHA-256 is stored (a fast
 * hash is right for keys this random); the key is shown once, when minted; the prefix tells keys apart.
 */
export function generateAccessKey(): { key: string; prefix: string; hash: string } {
  const key = `dmk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashAccessKey(key) };
}
