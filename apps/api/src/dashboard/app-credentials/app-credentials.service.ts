import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { AppCredentialsResponse, AppCredentialView } from '@darkroom/contracts';
import { createAppCredentialRequestSchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';
import { assertCanManageTenant } from '../session/roles';
import { describeStoredKey, parseRsaPublicKey } from './public-key';

/** Active app credentials a tenant may hold at once. */
export const MAX_ACTIVE_APP_CREDENTIALS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function credentialView(c: { id: string; appId: string; name: string; publicKeyPem: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }): AppCredentialView {
  const key = describeStoredKey(c.publicKeyPem);
  return {
    id: c.id,
    appId: c.appId,
    name: c.name,
    fingerprint: key?.fingerprint ?? '',
    keyBits: key?.bits ?? 0,
    createdAt: c.createdAt.toISOString(),
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    revokedAt: c.revokedAt?.toISOString() ?? null,
  };
}

/** RSA app credentials (TAMS-SHA256-RSA): the tenant uploads a public key and gets the app id its programs sign with. */
@Injectable()
export class AppCredentialsService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async list(user: DashboardUser): Promise<AppCredentialsResponse> {
    const rows = await this.platform.prisma.appCredential.findMany({ where: { tenantId: user.tenantId }, orderBy: { createdAt: 'desc' } });
    return { credentials: rows.map(credentialView) };
  }

  async create(user: DashboardUser, body: unknown): Promise<{ credential: AppCredentialView }> {
    assertCanManageTenant(user);
    const input = parseOrThrow(createAppCredentialRequestSchema, body);
    const key = parseRsaPublicKey(input.publicKeyPem);
    if ('issue' in key) throw DomainError.invalid([key.issue]);
    const { prisma } = this.platform;
    const active = await prisma.appCredential.count({ where: { tenantId: user.tenantId, revokedAt: null } });
    if (active >= MAX_ACTIVE_APP_CREDENTIALS) throw DomainError.failedPrecondition(`a tenant holds at most ${MAX_ACTIVE_APP_CREDENTIALS} active app credentials; revoke one first`);
    const row = await prisma.appCredential.create({ data: { appId: `app_${randomBytes(8).toString('hex')}`, tenantId: user.tenantId, name: input.name, publicKeyPem: key.pem } });
    return { credential: credentialView(row) };
  }

  async revoke(user: DashboardUser, credentialId: string): Promise<{ credential: AppCredentialView }> {
    assertCanManageTenant(user);
    const { prisma } = this.platform;
    const row = UUID.test(credentialId) ? await prisma.appCredential.findFirst({ where: { id: credentialId, tenantId: user.tenantId } }) : null;
    if (!row) throw DomainError.notFound(`app credential ${credentialId}`, 'credentialId');
    const revoked = row.revokedAt ? row : await prisma.appCredential.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    // This process refuses the app id at once; other API replicas within their short credential cache.
    this.platform.authenticator.forget();
    return { credential: credentialView(revoked) };
  }
}
