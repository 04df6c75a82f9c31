'use client';
import { FormEvent, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../../src/components/states';
import { api, ApiError, toApiError } from '../../../../src/lib/api-client';
import type { AdminModelsResponse, AdminModelView } from '../../../../src/lib/api-types';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

export default function AdminModelsPage() {
  const [query, setQuery] = useState({ q: '', scope: 'PUBLIC' });
  const { data, error, loading, reload } = useApi<AdminModelsResponse>(`/admin/models?q=${encodeURIComponent(query.q)}&scope=${query.scope}`);
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [done, setDone] = useState('');

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    setQuery({ q: String(values.get('q') ?? ''), scope: values.get('all') ? 'ALL' : 'PUBLIC' });
  }

  async function act(what: string, fn: () => Promise<unknown>) {
    setActionError(undefined);
    setDone('');
    try {
      await fn();
      setDone(what);
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      reload();
    }
  }

  function hide(m: AdminModelView) {
    const reason = window.prompt(`Hide "${m.name}" from every tenant? Jobs that name it are refused. Reason (for the log):`, '');
    if (reason === null) return;
    void act(`“${m.name}” is hidden.`, () => api(`/admin/models/${m.id}/visibility`, { method: 'POST', body: { visibility: 'HIDDEN', reason } }));
  }
  const show = (m: AdminModelView) => act(`“${m.name}” is public again.`, () => api(`/admin/models/${m.id}/visibility`, { method: 'POST', body: { visibility: 'PUBLIC' } }));
  const makeDefault = (m: AdminModelView) => act(`“${m.name}” is the default ${m.baseModel} checkpoint.`, () => api(`/admin/models/${m.id}/default`, { method: 'POST' }));

  const nameOf = new Map((data?.models ?? []).map((m) => [m.id, m.name]));
  return (
    <>
      <h1>Model catalogue</h1>
      <p className="muted">Public models every tenant can use, moderation (hide), and the default checkpoint of each family (used when a job names none).</p>
      {data && (
        <section className="panel" aria-labelledby="defaults-heading">
          <h2 id="defaults-heading">Defaults per family</h2>
          <dl className="params">
            {Object.entries(data.defaults).map(([family, id]) => (
              <div key={family} style={{ display: 'contents' }}>
                <dt>{family}</dt>
                <dd data-testid={`default-${family}`}>{id ? `${nameOf.get(id) ?? ''} (${id})` : <span className="muted">none: jobs must name a checkpoint</span>}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      <form className="row" onSubmit={search} role="search" aria-label="Search the catalogue" style={{ marginBottom: '1rem' }}>
        <label htmlFor="catalogue-q" className="visually-hidden">
          Search models
        </label>
        <input id="catalogue-q" name="q" placeholder="name or id" style={{ maxWidth: '20rem' }} defaultValue={query.q} />
        <input type="checkbox" id="catalogue-all" name="all" defaultChecked={query.scope === 'ALL'} />
        <label htmlFor="catalogue-all">include tenants&apos; private items</label>
        <button type="submit">Search</button>
      </form>
      {done && (
        <div className="notice success" role="status">
          {done}
        </div>
      )}
      <ErrorNotice error={error ?? actionError} retry={reload} />
      {loading && <Loading what="the catalogue" />}
      {data && data.models.length === 0 && (
        <Empty title="No models match">
          <span>Clear the search, or register models with the admin API.</span>
        </Empty>
      )}
      {data && data.models.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <TableHead columns={['Name', 'Id', 'Type', 'Family', 'Owner', 'Visibility']} actions />
            <tbody>
              {data.models.map((m) => (
                <tr key={m.id} data-testid="catalogue-row">
                  <td>
                    {m.name} {m.isDefault && <span className="badge SUCCESS">default</span>}
                  </td>
                  <td className="mono">{m.id}</td>
                  <td>{m.modelType.toLowerCase().replace('_', ' ')}</td>
                  <td>{m.baseModel}</td>
                  <td>{m.ownerName ?? <span className="muted">platform</span>}</td>
                  <td>
                    <span className={`badge ${m.visibility}`}>{m.visibility.toLowerCase()}</span>
                  </td>
                  <td className="actions">
                    {m.visibility === 'PUBLIC' && !m.isDefault && (
                      <button type="button" className="danger" onClick={() => hide(m)} aria-label={`Hide ${m.name}`}>
                        Hide
                      </button>
                    )}
                    {m.visibility === 'HIDDEN' && (
                      <button type="button" className="secondary" onClick={() => show(m)} aria-label={`Show ${m.name} again`}>
                        Show again
                      </button>
                    )}
                    {m.modelType === 'CHECKPOINT' && m.visibility === 'PUBLIC' && !m.isDefault && (
                      <button type="button" className="secondary" onClick={() => makeDefault(m)} aria-label={`Make ${m.name} the default ${m.baseModel} checkpoint`}>
                        Make default
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
