'use client';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { FormEvent, useState } from 'react';
import { api, ApiError, toApiError } from '../lib/api-client';
import type { MeResponse } from '../lib/api-types';
import { FieldError } from './states';

/** Only same-site paths: an open redirect after sign-in would hand the session's first page to anyone. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/overview';
}

/** Sign-in and sign-up share one form: email, password (and the organisation's name for sign-up). */
export function AuthForm({ mode }: { mode: 'signin' | 'signup' }) {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';
  const fields = error?.fieldErrors() ?? {};
  const shownFields = signup ? ['tenantName', 'email', 'password'] : ['email', 'password'];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const body: Record<string, string> = { email: String(data.get('email') ?? ''), password: String(data.get('password') ?? '') };
    if (signup) body.tenantName = String(data.get('tenantName') ?? '');
    setBusy(true);
    setError(undefined);
    try {
      await api<MeResponse>(signup ? '/auth/signup' : '/auth/signin', { method: 'POST', body });
      router.replace(safeNext(params.get('next')));
    } catch (e) {
      setError(toApiError(e));
      setBusy(false);
    }
  }

  const invalid = (name: string) => (fields[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {});
  return (
    <main className="auth-page" id="main">
      <div className="panel auth-card">
        <p className="brand">darkroom</p>
        <h1>{signup ? 'Create your account' : 'Sign in'}</h1>
        {error && !shownFields.some((f) => fields[f]) && (
          <div className="notice error" role="alert">
            {error.message}
          </div>
        )}
        {error && shownFields.some((f) => fields[f]) && (
          <div className="visually-hidden" role="alert">
            {error.message}
          </div>
        )}
        <form className="stack" onSubmit={submit} noValidate>
          {signup && (
            <div className="field">
              <label htmlFor="tenantName">Organisation name</label>
              <input id="tenantName" name="tenantName" autoComplete="organization" required maxLength={80} {...invalid('tenantName')} />
              <FieldError id="tenantName-error" message={fields.tenantName} />
            </div>
          )}
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="email" required {...invalid('email')} />
            <FieldError id="email-error" message={fields.email} />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete={signup ? 'new-password' : 'current-password'}
              required
              minLength={signup ? 10 : undefined}
              aria-describedby={signup ? 'password-hint' : undefined}
              {...invalid('password')}
            />
            {signup && (
              <span className="hint" id="password-hint">
                At least 10 characters.
              </span>
            )}
            <FieldError id="password-error" message={fields.password} />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? (signup ? 'Creating…' : 'Signing in…') : signup ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p className="small muted">
          {signup ? (
            <>
              Already have an account? <Link href="/signin">Sign in</Link>
            </>
          ) : (
            <>
              New to darkroom? <Link href="/signup">Create an account</Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
