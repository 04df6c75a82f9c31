import type { ApiKeyView, LedgerEntryView, TenantSummary, UserRole } from '@darkroom/contracts';

// Database rows → the dashboard API's answers (plain mappers; numbers for credits, ISO strings for times).

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const num = (d: { toString(): string }) => Number(d.toString());

export function tenantSummary(t: { id: string; name: string; status: string; planId: string; balance: { toString(): string }; plan: { name: string } }): TenantSummary {
  return { id: t.id, name: t.name, status: t.status as TenantSummary['status'], planId: t.planId, planName: t.plan.name, balance: num(t.balance) };
}

export function apiKeyView(k: { id: string; name: string; prefix: string; scopes: string[]; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null }): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
  };
}

export function ledgerEntryView(e: {
  id: bigint;
  kind: string;
  amount: { toString(): string };
  balanceAfter: { toString(): string };
  jobId: bigint | null;
  paymentRef: string | null;
  actorUserId: string | null;
  reason: string;
  createdAt: Date;
}): LedgerEntryView {
  return {
    id: e.id.toString(),
    kind: e.kind as LedgerEntryView['kind'],
    amount: num(e.amount),
    balanceAfter: num(e.balanceAfter),
    jobId: e.jobId === null ? null : e.jobId.toString(),
    paymentRef: e.paymentRef,
    actorUserId: e.actorUserId,
    reason: e.reason,
    createdAt: e.createdAt.toISOString(),
  };
}

export const userView = (u: { id: string; email: string; role: string }) => ({ id: u.id, email: u.email, role: u.role as UserRole });
