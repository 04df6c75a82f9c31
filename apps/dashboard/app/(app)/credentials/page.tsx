'use client';
import { FormEvent, useState } from 'react';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { AppCredentialsResponse, AppCredentialView } from '../../../src/lib/api-types';
import { formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

export default function AppCredentialsPage() {
  const { me } = useSession();
  const canManage = me.user.role !== 'TENANT_MEMBER' && !me.impersonating;
  const credentials = useApi<AppCredentialsResponse>('/app-credentials');
  const [added, setAdded] = useState<AppCredentialView | undefined>();
  const [formError, setFormError] = useState<ApiError | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fields = formError?.fieldErrors() ?? {};

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setBusy(true);
    setFormError(undefined);
    setAdded(undefined);
    try {
      const res = await api<{ credential: AppCredentialView }>('/app-credentials', { method: 'POST', body: { name: String(data.get('name') ?? ''), publicKeyPem: String(data.get('publicKeyPem') ?? '') } });
      setAdded(res.credential);
      form.reset();
      credentials.reload();
    } catch (e) {
      setFormError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(c: AppCredentialView) {
    if (!window.confirm(`Revoke "${c.name}" (${c.appId})? Requests signed with its key are refused at once.`)) return;
    setActionError(undefined);
    try {
      await api(`/app-credentials/${c.id}`, { method: 'DELETE' });
      credentials.reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  }

  const list = credentials.data?.credentials ?? [];
  return (
    <>
      <h1>App credentials</h1>
      <p className="muted">
        Instead of an API key, a program can sign each request with its RSA private key (<code>Authorization: TAMS-SHA256-RSA app_id=…</code>). Upload the public
        key here; darkroom never sees the private one. Create a pair with <code>openssl genrsa -out app.pem 2048</code> and{' '}
        <code>openssl rsa -in app.pem -pubout -out app.pub.pem</code>.
      </p>

      <section className="panel" aria-labelledby="add-heading">
        <h2 id="add-heading">Add a public key</h2>
        {!canManage ? (
          <p className="muted">{me.impersonating ? 'Read-only view.' : 'Only the account owner can add and revoke credentials.'}</p>
        ) : (
          <form className="stack" onSubmit={add} noValidate>
            {added && (
              <div className="notice success" role="status" data-testid="credential-added">
                Added “{added.name}”. Your program signs with app id <strong className="mono">{added.appId}</strong>.
              </div>
            )}
            {formError && !fields.name && !fields.publicKeyPem && (
              <div className="notice error" role="alert">
                {formError.message}
              </div>
            )}
            <div className="field">
              <label htmlFor="credential-name">Name</label>
              <input id="credential-name" name="name" required maxLength={60} placeholder="e.g. render farm" aria-invalid={fields.name ? true : undefined} aria-describedby={fields.name ? 'credential-name-error' : undefined} />
              <FieldError id="credential-name-error" message={fields.name} />
            </div>
            <div className="field">
              <label htmlFor="credential-pem">Public key (PEM)</label>
              <textarea
                id="credential-pem"
                name="publicKeyPem"
                required
                rows={8}
                className="mono"
                placeholder={'-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----'}
                aria-invalid={fields.publicKeyPem ? true : undefined}
                aria-describedby={fields.publicKeyPem ? 'credential-pem-error' : 'credential-pem-hint'}
              />
              <span className="hint" id="credential-pem-hint">
                An RSA key of 2048 to 8192 bits, as SPKI (<code>BEGIN PUBLIC KEY</code>) or PKCS#1 (<code>BEGIN RSA PUBLIC KEY</code>).
              </span>
              <FieldError id="credential-pem-error" message={fields.publicKeyPem} />
            </div>
            <div>
              <button type="submit" disabled={busy}>
                {busy ? 'Adding…' : 'Add key'}
              </button>
            </div>
          </form>
        )}
      </section>

      <section className="panel" aria-labelledby="credentials-heading">
        <h2 id="credentials-heading">Your app credentials</h2>
        <ErrorNotice error={credentials.error ?? actionError} retry={credentials.reload} />
        {credentials.loading && <Loading what="your credentials" />}
        {!credentials.loading && !credentials.error && list.length === 0 && (
          <Empty title="No app credentials yet">
            <span>Add a public key above, or use an API key if your program does not sign requests.</span>
          </Empty>
        )}
        {list.length > 0 && (
          <div className="table-wrap">
            <table>
              <TableHead columns={['Name', 'App id', 'Key', 'Created', 'Last used', 'Status']} actions={canManage} />
              <tbody>
                {list.map((c) => (
                  <tr key={c.id} data-testid="credential-row">
                    <td>{c.name}</td>
                    <td className="mono">{c.appId}</td>
                    <td className="small">
                      RSA {c.keyBits}
                      <div className="mono muted" title="SHA-256 of the public key (DER)">
                        {c.fingerprint.slice(0, 23)}…
                      </div>
                    </td>
                    <td>{formatTime(c.createdAt)}</td>
                    <td>{c.lastUsedAt ? formatTime(c.lastUsedAt) : 'never'}</td>
                    <td>{c.revokedAt ? <span className="badge REVOKED">Revoked</span> : <span className="badge SUCCESS">Active</span>}</td>
                    {canManage && (
                      <td>
                        {!c.revokedAt && (
                          <button type="button" className="danger" onClick={() => revoke(c)} aria-label={`Revoke credential ${c.name}`}>
                            Revoke
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
