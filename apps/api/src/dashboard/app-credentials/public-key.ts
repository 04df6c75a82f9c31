import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import type { FieldIssue } from '@darkroom/contracts';

/** Bounds of an app's RSA key: the TAMS signature scheme asks for 2048-bit keys; larger ones work too. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

export interface ParsedPublicKey {
  /** Normalised SPKI PEM, what the authenticator reads. */
  pem: string;
  bits: number;
  fingerprint: string;
}

const issue = (rule: string, message: string): { issue: FieldIssue } => ({ issue: { field: 'publicKeyPem', rule, message } });

/**
 * Parses pasted PEM text as an RSA public key (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") and checks its size.
 * A private key is refused without being kept or echoed: the platform must only ever hold the public half.
 */
export function parseRsaPublicKey(text: string): ParsedPublicKey | { issue: FieldIssue } {
  const pem = text.trim();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return issue('private_key', 'is a private key: paste the public key (openssl rsa -in app.pem -pubout) and keep the private key to yourself');
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----[\s\S]+-----END (RSA )?PUBLIC KEY-----$/.test(pem)) {
    return issue('pem', 'must be a PEM public key starting with -----BEGIN PUBLIC KEY-----');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return issue('pem', 'is not a readable PEM public key');
  }
  if (key.asymmetricKeyType !== 'rsa') return issue('key_type', `must be an RSA key (this one is ${key.asymmetricKeyType ?? 'unknown'})`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) return issue('key_size', `must be an RSA key of ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (this one has ${bits})`);
  const der = key.export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
  return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), bits, fingerprint };
}

/** The fingerprint and size of a stored key (null when it no longer parses). */
export function describeStoredKey(pem: string): { bits: number; fingerprint: string } | null {
  const parsed = parseRsaPublicKey(pem);
  return 'issue' in parsed ? null : { bits: parsed.bits, fingerprint: parsed.fingerprint };
}
