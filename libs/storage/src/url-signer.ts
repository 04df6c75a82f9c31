import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedUrl {
  url: string;
  /** Unix seconds after which the URL no longer works. */
  expiresAt: number;
}

/**
 * Signs and checks expiring URLs for blobs (downloads) and uploads. The signature is an HMAC-SHA256 over the
 * method, the path and the expiry, so a URL for one purpose cannot be replayed for another.
 */
export class UrlSigner {
  constructor(
    private readonly secret: string,
    private readonly baseUrl: string,
  ) {
    if (secret.length < 32) throw new Error('URL signing secret must be at least 32 characters');
  }

  private mac(method: string, pathname: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`${method}\n${pathname}\n${expiresAt}`).digest('base64url');
  }

  sign(method: 'GET' | 'PUT', pathname: string, ttlSeconds: number, now = Date.now()): SignedUrl {
    const expiresAt = Math.floor(now / 1000) + ttlSeconds;
    const sig = this.mac(method, pathname, expiresAt);
    const url = new URL(pathname, this.baseUrl);
    url.searchParams.set('exp', String(expiresAt));
    url.searchParams.set('sig', sig);
    return { url: url.toString(), expiresAt };
  }

  /** 'ok', 'expired' or 'invalid'. Expiry is checked after the signature so that a forged exp tells nothing. */
  verify(method: 'GET' | 'PUT', pathname: string, exp: string | undefined, sig: string | undefined, now = Date.now()): 'ok' | 'expired' | 'invalid' {
    if (!exp || !sig || !/^[0-9]{1,12}$/.test(exp)) return 'invalid';
    const expected = Buffer.from(this.mac(method, pathname, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }
}
