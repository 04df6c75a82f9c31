'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { ReactNode, useMemo, useState } from 'react';
import { api } from '../lib/api-client';
import type { MeResponse } from '../lib/api-types';
import { formatCredits } from '../lib/format';
import { useApi } from '../lib/use-api';
import { SessionContext } from './session-context';
import { ErrorNotice, Loading } from './states';

const TENANT_LINKS = [
  { href: '/overview', label: 'Overview' },
  { href: '/playground', label: 'Playground' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/models', label: 'Models' },
  { href: '/keys', label: 'API keys' },
  { href: '/credentials', label: 'App credentials' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/members', label: 'Members' },
  { href: '/billing', label: 'Credits & billing' },
];
const ADMIN_LINKS = [
  { href: '/admin/tenants', label: 'Tenants' },
  { href: '/admin/queue', label: 'Live queue' },
  { href: '/admin/workers', label: 'Workers & pools' },
  { href: '/admin/failures', label: 'Failing jobs' },
  { href: '/admin/models', label: 'Model catalogue' },
  { href: '/admin/prices', label: 'Price table' },
];

/** The signed-in area: who you are, the navigation, and the page. Without a session it sends you to sign in. */
export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const me = useApi<MeResponse>('/me');
  const [signingOut, setSigningOut] = useState(false);
  const [ending, setEnding] = useState(false);
  const session = useMemo(() => (me.data ? { me: me.data, refresh: me.reload } : null), [me.data, me.reload]);

  if (!session) {
    return (
      <main id="main">
        {me.error && me.error.status !== 401 ? <ErrorNotice error={me.error} retry={me.reload} /> : <Loading what="your account" />}
      </main>
    );
  }

  const isCurrent = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  const link = (l: { href: string; label: string }) => (
    <Link key={l.href} href={l.href} aria-current={isCurrent(l.href) ? 'page' : undefined}>
      {l.label}
    </Link>
  );

  async function signOut() {
    setSigningOut(true);
    try {
      await api('/auth/signout', { method: 'POST' });
    } finally {
      router.replace('/signin');
    }
  }

  /** Ends an admin's read-only view of a tenant and goes back to that tenant's admin page. */
  async function endView() {
    const viewed = session?.me.impersonating?.tenantId;
    setEnding(true);
    try {
      await api('/admin/impersonation', { method: 'DELETE' });
      window.location.assign(viewed ? `/admin/tenants/${viewed}` : '/admin/tenants');
    } catch {
      setEnding(false);
    }
  }

  const { user, tenant, impersonating } = session.me;
  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <Link href="/overview" className="brand">
            darkroom
          </Link>
          <nav className="nav" aria-label="Main">
            {TENANT_LINKS.map(link)}
            {user.role === 'ADMIN' && (
              <>
                <div className="nav-heading" aria-hidden="true">
                  Admin
                </div>
                {ADMIN_LINKS.map(link)}
              </>
            )}
          </nav>
          <div className="account">
            <div>
              <div style={{ color: 'var(--text)' }}>
                {tenant.name}
                {impersonating && <span className="muted small"> (viewing)</span>}
              </div>
              <div>{user.email}</div>
              <div data-testid="sidebar-balance">{formatCredits(tenant.balance)} credits</div>
            </div>
            <button type="button" className="secondary" onClick={signOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </div>
        </aside>
        <main id="main" tabIndex={-1}>
          {impersonating && (
            <div className="notice warn row spread" role="status" data-testid="impersonation-banner">
              <span>
                You are viewing <strong>{impersonating.tenantName}</strong> as an admin, read-only: every change is refused.
              </span>
              <button type="button" className="secondary" onClick={endView} disabled={ending}>
                {ending ? 'Ending…' : 'End view'}
              </button>
            </div>
          )}
          {tenant.status === 'SUSPENDED' && (
            <div className="notice warn" role="status">
              This account is suspended: jobs cannot be created. Contact support.
            </div>
          )}
          {children}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
