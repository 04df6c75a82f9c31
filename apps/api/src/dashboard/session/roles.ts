import { DomainError } from '@darkroom/contracts';
import type { DashboardUser } from './dashboard-session';

/** Tenant settings (API keys, ...) are the owner's; admins can act too. Members see them read-only. */
export function assertCanManageTenant(user: DashboardUser): void {
  if (user.role !== 'TENANT_OWNER' && user.role !== 'ADMIN') throw DomainError.permissionDenied('only the tenant owner can change this');
}
