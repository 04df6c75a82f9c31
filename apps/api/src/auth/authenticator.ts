import { createPublicKey, KeyObject, verify } from 'node:crypto';
import type Redis from 'ioredis';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';
import { hashApiKey } from './api-keys';
import type { AuthenticatedTenant } from './tenant-context';
import { TtlCache } from './ttl-cache';

export const SIGNATURE_WINDOW_SEC = 300;
const CACHE_MS = 5_000;

const unauthenticated = (message: string) => new DomainError(GrpcCode.UNAUTHENTICATED, message, [{ field: 'Authorization', rule: 'unauthenticated', message }]);

export interface SignedRequest {
  method: string;
  /** Path with query, exactly as sent. */
  url: string;
  body: Buffer | undefined;
}

/** `TAMS-SHA256-RSA app_id=…,nonce_str=…,timestamp=…,signature=…` → its fields, or null if malformed. */
export function parseRsaAuthorization(header: string): { appId: string; nonce: string; timestamp: string; signature: string } | null {
  const m = /^TAMS-SHA256-RSA\s+(.+)$/i.exec(header.trim());
  if (!m) return null;
  const fields = new Map<string, string>();
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  const appId = fields.get('app_id');
  const nonce = fields.get('nonce_str');
  const timestamp = fields.get('timestamp');
  const signature = fields.get('signature');
  if (!appId || !nonce || !timestamp || !signature) return null;
  return { appId, nonce, timestamp, signature };
}

/** The string a TAMS client signs: METHOD \n PATH_WITH_QUERY \n TIMESTAMP \n NONCE \n BODY. */
export const rsaSigningString = (method: string, url: string, timestamp: string, nonce: string, body: string) =>
  `${method.toUpperCase()}\n${url}\n${timestamp}\n${nonce}\n${body}`;

interface CachedTenant {
  tenant: AuthenticatedTenant;
  status: string;
  publicKey?: KeyObject;
}

/**
 * Checks the two credentials TAMS clients use: Bearer API keys (looked up by SHA-256) and RSA request
 * signatures (public key per app, ±5 minutes, nonce never reused within the window).
 */
export class Authenticator {
  private readonly keys = new TtlCache<CachedTenant | null>(CACHE_MS);
  private readonly apps = new TtlCache<CachedTenant | null>(CACHE_MS);
  private readonly touched = new TtlCache<true>(60_000);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
  ) {}

  async authenticate(authorization: string | undefined, request: SignedRequest): Promise<AuthenticatedTenant> {
    if (!authorization) throw unauthenticated('missing Authorization header (Bearer API key or TAMS-SHA256-RSA signature)');
    const found = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    const result = found ? await this.byApiKey(found[1].trim()) : await this.bySignature(authorization, request);
    if (result.status !== 'ACTIVE') throw new DomainError(GrpcCode.PERMISSION_DENIED, 'this tenant is suspended', []);
    return result.tenant;
  }

  private async byApiKey(key: string): Promise<CachedTenant> {
    const hash = hashApiKey(key);
    let hit = this.keys.get(hash);
    if (hit === undefined) {
      const row = await this.prisma.apiKey.findUnique({ where: { hash }, include: { tenant: { include: { plan: true } } } });
      const usable = row && !row.revokedAt && (!row.expiresAt || row.expiresAt.getTime() > Date.now());
      hit = usable
        ? {
            status: row.tenant.status,
            tenant: {
              tenantId: row.tenantId,
              queueWeight: row.tenant.plan.queueWeight,
              planId: row.tenant.planId,
              rateLimitPerSec: row.tenant.rateLimitPerSec ?? row.tenant.plan.rateLimitPerSec,
              method: 'api_key',
              credentialId: row.id,
              scopes: row.scopes,
            },
          }
        : null;
      this.keys.set(hash, hit);
    }
    if (!hit) throw unauthenticated('invalid, revoked or expired API key');
    this.touch('key', hit.tenant.credentialId);
    return hit;
  }

  private async bySignature(header: string, request: SignedRequest): Promise<CachedTenant> {
    const parts = parseRsaAuthorization(header);
    if (!parts) throw unauthenticated('Authorization must be "Bearer <key>" or "TAMS-SHA256-RSA app_id=…,nonce_str=…,timestamp=…,signature=…"');
    if (!/^[0-9]{1,12}$/.test(parts.timestamp)) throw unauthenticated('timestamp must be unix seconds');
    if (Math.abs(Date.now() / 1000 - Number(parts.timestamp)) > SIGNATURE_WINDOW_SEC) throw unauthenticated('timestamp is more than 5 minutes off the server clock');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(parts.nonce)) throw unauthenticated('nonce_str must be 1-64 characters of [A-Za-z0-9_-]');

    let app = this.apps.get(parts.appId);
    if (app === undefined) {
      const row = await this.prisma.appCredential.findUnique({ where: { appId: parts.appId }, include: { tenant: { include: { plan: true } } } });
      app =
        row && !row.revokedAt
          ? {
              status: row.tenant.status,
              publicKey: createPublicKey(row.publicKeyPem),
              tenant: {
                tenantId: row.tenantId,
                queueWeight: row.tenant.plan.queueWeight,
                planId: row.tenant.planId,
                rateLimitPerSec: row.tenant.rateLimitPerSec ?? row.tenant.plan.rateLimitPerSec,
                method: 'rsa',
                credentialId: row.id,
                scopes: ['jobs', 'models', 'resources'],
              },
            }
          : null;
      this.apps.set(parts.appId, app);
    }
    if (!app?.publicKey) throw unauthenticated(`unknown or revoked app_id ${parts.appId}`);

    const body = request.body?.toString('utf8') ?? '';
    const data = Buffer.from(rsaSigningString(request.method, request.url, parts.timestamp, parts.nonce, body));
    const signature = Buffer.from(parts.signature, 'base64');
    if (!verify('RSA-SHA256', data, app.publicKey, signature)) throw unauthenticated('signature does not match the request');

    // Only a verified request may spend a nonce, so that nobody can burn another client's nonces.
    const fresh = await this.redis.set(`${this.redisPrefix}:nonce:${parts.appId}:${parts.nonce}`, '1', 'EX', SIGNATURE_WINDOW_SEC * 2, 'NX');
    if (fresh !== 'OK') throw unauthenticated('nonce_str was already used (replayed request)');
    this.touch('app', app.tenant.credentialId);
    return app;
  }

  /** last-used bookkeeping, at most once a minute per credential, off the request path. */
  private touch(kind: 'key' | 'app', id: string): void {
    if (this.touched.get(`${kind}:${id}`)) return;
    this.touched.set(`${kind}:${id}`, true);
    const update =
      kind === 'key'
        ? this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date() } })
        : this.prisma.appCredential.update({ where: { id }, data: { lastUsedAt: new Date() } });
    update.catch(() => undefined);
  }

  /** Drops cached credentials (after a revocation in this process). */
  forget(): void {
    this.keys.clear();
    this.apps.clear();
  }
}
