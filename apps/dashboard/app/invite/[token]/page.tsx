'use client';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { FormEvent, useState } from 'react';
import { ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { InviteLookupResponse, MeResponse } from '../../../src/lib/api-types';
import { formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';

/** The page an invitation link opens: who invited you, and a password for your new account in that tenant. */
export default function AcceptInvitePage() {
  const { token } = useParams<{ token: string }>();
  const router = useRouter();
  const invite = useApi<InviteLookupResponse>(`/invites/${encodeURIComponent(token)}`);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors() ?? {};

  async function accept(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get('password') ?? '');
    setBusy(true);
    setError(undefined);
    try {
      await api<MeResponse>(`/invites/${encodeURIComponent(token)}/accept`, { method: 'POST', body: { password } });
      router.replace('/overview');
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  }

  return (
    <main className="auth-page" id="main">
      <div className="panel auth-card">
        <p className="brand">darkroom</p>
        <h1>Join your team</h1>
        {invite.loading && <Loading what="the invitation" />}
        {invite.error && (
          <>
            <ErrorNotice error={invite.error} />
            <p className="small">
              Ask the person who invited you for a new link, or <Link href="/signin">sign in</Link> if you already have an account.
            </p>
          </>
        )}
        {invite.data && (
          <form className="stack" onSubmit={accept} noValidate>
            <p>
              You are invited to <strong data-testid="invite-tenant">{invite.data.tenantName}</strong> as <strong>{invite.data.email}</strong>. Choose a password
              to create your account. The link works until {formatTime(invite.data.expiresAt)}.
            </p>
            {error && !fields.password && (
              <div className="notice error" role="alert">
                {error.message}
              </div>
            )}
            <input type="email" name="email" value={invite.data.email} autoComplete="username" readOnly hidden />
            <div className="field">
              <label htmlFor="password">Password</label>
              <input
                id="password"
                name="password"
                type="password"
                autoComplete="new-password"
                required
                minLength={10}
                aria-invalid={fields.password ? true : undefined}
                aria-describedby={fields.password ? 'password-error' : 'password-hint'}
              />
              <span className="hint" id="password-hint">
                At least 10 characters.
              </span>
              <FieldError id="password-error" message={fields.password} />
            </div>
            <button type="submit" disabled={busy}>
              {busy ? 'Joining…' : 'Join'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
