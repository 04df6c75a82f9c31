import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import { generateApiKey } from '../../auth/api-keys';
import type { ApiKeysResponse, ApiKeyView, CreateApiKeyResponse } from '@darkroom/contracts';
import { createApiKeyRequestSchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import { apiKeyView } from '../dashboard.views';
import type { DashboardUser } from '../session/dashboard-session';
import { assertCanManageTenant } from '../session/roles';

/** Active keys a tenant may hold at once (revoked ones do not count). */
export const MAX_ACTIVE_KEYS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The tenant's API keys: list, create (the key is shown once), revoke. */
@Injectable()
export class ApiKeysService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async list(user: DashboardUser): Promise<ApiKeysResponse> {
    const rows = await this.platform.prisma.apiKey.findMany({ where: { tenantId: user.tenantId }, orderBy: { createdAt: 'desc' } });
    return { apiKeys: rows.map(apiKeyView) };
  }

  async create(user: DashboardUser, body: unknown): Promise<CreateApiKeyResponse> {
    assertCanManageTenant(user);
    const input = parseOrThrow(createApiKeyRequestSchema, body);
    const { prisma } = this.platform;
    const active = await prisma.apiKey.count({ where: { tenantId: user.tenantId, revokedAt: null } });
    if (active >= MAX_ACTIVE_KEYS) throw DomainError.failedPrecondition(`a tenant holds at most ${MAX_ACTIVE_KEYS} active keys; revoke one first`);
    const fresh = generateApiKey();
    const row = await prisma.apiKey.create({
      data: { tenantId: user.tenantId, name: input.name, prefix: fresh.prefix, hash: fresh.hash, scopes: [...new Set(input.scopes)] },
    });
    return { apiKey: apiKeyView(row), key: fresh.key };
  }

  async revoke(user: DashboardUser, keyId: string): Promise<{ apiKey: ApiKeyView }> {
    assertCanManageTenant(user);
    const { prisma } = this.platform;
    const row = UUID.test(keyId) ? await prisma.apiKey.findFirst({ where: { id: keyId, tenantId: user.tenantId } }) : null;
    if (!row) throw DomainError.notFound(`API key ${keyId}`, 'keyId');
    const revoked = row.revokedAt ? row : await prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    // This process stops accepting the key at once; other API replicas within their 5 s credential cache.
    this.platform.authenticator.forget();
    return { apiKey: apiKeyView(revoked) };
  }
}
