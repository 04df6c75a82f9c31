'use client';
import { FormEvent, useRef, useState } from 'react';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { ApiKeysResponse, ApiKeyView, CreateApiKeyResponse } from '../../../src/lib/api-types';
import { formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const SCOPES = [
  { id: 'jobs', label: 'Jobs', hint: 'create, read and cancel jobs' },
  { id: 'models', label: 'Models', hint: 'read model metadata' },
  { id: 'resources', label: 'Resources', hint: 'upload input images' },
];

export default function ApiKeysPage() {
  const { me } = useSession();
  const canManage = me.user.role !== 'TENANT_MEMBER';
  const keys = useApi<ApiKeysResponse>('/api-keys');
  const [created, setCreated] = useState<CreateApiKeyResponse | undefined>();
  const [formError, setFormError] = useState<ApiError | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const secretRef = useRef<HTMLDivElement>(null);
  const fields = formError?.fieldErrors() ?? {};

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setBusy(true);
    setFormError(undefined);
    setCopied(false);
    try {
      const res = await api<CreateApiKeyResponse>('/api-keys', { method: 'POST', body: { name: String(data.get('name') ?? ''), scopes: data.getAll('scopes').map(String) } });
      setCreated(res);
      form.reset();
      keys.reload();
      // Move focus to the new key so that keyboard and screen-reader users find it at once.
      setTimeout(() => secretRef.current?.focus(), 0);
    } catch (e) {
      setFormError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKeyView) {
    if (!window.confirm(`Revoke "${key.name}" (${key.prefix}…)? Programs using it stop working at once.`)) return;
    setActionError(undefined);
    try {
      await api(`/api-keys/${key.id}`, { method: 'DELETE' });
      if (created?.apiKey.id === key.id) setCreated(undefined);
      keys.reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  }

  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const list = keys.data?.apiKeys ?? [];
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        Your programs send a key as <code>Authorization: Bearer &lt;key&gt;</code> to the darkroom API. Keep keys secret; revoke any that may have leaked.
      </p>

      {created && (
        <section className="panel" aria-labelledby="new-key-heading" style={{ borderColor: 'var(--ok)' }}>
          <h2 id="new-key-heading">Your new key “{created.apiKey.name}”</h2>
          <p>Copy it now: it is shown only once and darkroom keeps only its fingerprint.</p>
          <div className="secret mono" tabIndex={-1} ref={secretRef} data-testid="new-api-key" aria-label="New API key">
            {created.key}
          </div>
          <div className="row" style={{ marginTop: '0.6rem' }}>
            <button type="button" onClick={copy}>
              Copy key
            </button>
            <span role="status" aria-live="polite" className="small muted">
              {copied ? 'Copied to the clipboard.' : ''}
            </span>
            <button type="button" className="secondary" onClick={() => setCreated(undefined)}>
              I have saved it
            </button>
          </div>
        </section>
      )}

      <section className="panel" aria-labelledby="create-heading">
        <h2 id="create-heading">Create a key</h2>
        {!canManage ? (
          <p className="muted">Only the account owner can create and revoke keys.</p>
        ) : (
          <form className="stack" onSubmit={create} noValidate>
            {formError && !fields.name && !Object.keys(fields).some((f) => f.startsWith('scopes')) && (
              <div className="notice error" role="alert">
                {formError.message}
              </div>
            )}
            <div className="field">
              <label htmlFor="key-name">Name</label>
              <input id="key-name" name="name" required maxLength={60} placeholder="e.g. production render farm" aria-invalid={fields.name ? true : undefined} aria-describedby={fields.name ? 'key-name-error' : undefined} />
              <FieldError id="key-name-error" message={fields.name} />
            </div>
            <fieldset>
              <legend>Scopes</legend>
              {SCOPES.map((s) => (
                <div key={s.id} className="row">
                  <input type="checkbox" id={`scope-${s.id}`} name="scopes" value={s.id} defaultChecked />
                  <label htmlFor={`scope-${s.id}`}>
                    {s.label} <span className="muted small">— {s.hint}</span>
                  </label>
                </div>
              ))}
              <FieldError id="scopes-error" message={Object.entries(fields).find(([f]) => f.startsWith('scopes'))?.[1]} />
            </fieldset>
            <div>
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create key'}
              </button>
            </div>
          </form>
        )}
      </section>

      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Your keys</h2>
        <ErrorNotice error={keys.error ?? actionError} retry={keys.reload} />
        {keys.loading && <Loading what="your keys" />}
        {!keys.loading && !keys.error && list.length === 0 && (
          <Empty title="No API keys yet">
            <span>Create one above, then call the API from your program.</span>
          </Empty>
        )}
        {list.length > 0 && (
          <div className="table-wrap">
            <table>
              <TableHead columns={['Name', 'Key', 'Scopes', 'Created', 'Last used', 'Status']} actions={canManage} />
              <tbody>
                {list.map((k) => (
                  <tr key={k.id} data-testid="api-key-row">
                    <td>{k.name}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{formatTime(k.createdAt)}</td>
                    <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'}</td>
                    <td>{k.revokedAt ? <span className="badge CANCELED">Revoked</span> : <span className="badge SUCCESS">Active</span>}</td>
                    {canManage && (
                      <td>
                        {!k.revokedAt && (
                          <button type="button" className="danger" onClick={() => revoke(k)} aria-label={`Revoke key ${k.name}`}>
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
