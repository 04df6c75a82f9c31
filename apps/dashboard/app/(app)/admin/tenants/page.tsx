'use client';
import Link from 'next/link';
import { FormEvent, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../../src/components/states';
import type { AdminTenantsResponse } from '../../../../src/lib/api-types';
import { formatCredits, formatTime } from '../../../../src/lib/format';
import { useApi } from '../../../../src/lib/use-api';
import { TableHead } from '../../../../src/components/table-head';

export default function AdminTenantsPage() {
  const [q, setQ] = useState('');
  const [draft, setDraft] = useState('');
  const { data, error, loading, reload } = useApi<AdminTenantsResponse>(`/admin/tenants?q=${encodeURIComponent(q)}`);

  function search(event: FormEvent) {
    event.preventDefault();
    setQ(draft.trim());
  }

  return (
    <>
      <h1>Tenants</h1>
      {error?.status !== 403 && (
        <form role="search" className="row" onSubmit={search} style={{ marginBottom: '1rem' }}>
          <label htmlFor="tenant-search" className="visually-hidden">
            Search tenants
          </label>
          <input id="tenant-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Name, user email or tenant id" style={{ maxWidth: '24rem' }} />
          <button type="submit">Search</button>
        </form>
      )}
      <ErrorNotice error={error} retry={reload} />
      {loading && <Loading what="tenants" />}
      {data && data.tenants.length === 0 && <Empty title={q ? `No tenant matches “${q}”` : 'No tenants yet'} />}
      {data && data.tenants.length > 0 && (
        <div className="panel table-wrap">
          <table>
            <caption className="visually-hidden">Tenants{q ? ` matching ${q}` : ''}, newest first</caption>
            <TableHead
              columns={[
                'Name',
                'Users',
                'Plan',
                'Status',
                { label: 'Balance', numeric: true },
                { label: 'Jobs', numeric: true },
                'Created',
              ]}
            />
            <tbody>
              {data.tenants.map((t) => (
                <tr key={t.id} data-testid="tenant-row">
                  <td>
                    <Link href={`/admin/tenants/${t.id}`}>{t.name}</Link>
                  </td>
                  <td className="small">{t.users.map((u) => u.email).join(', ') || '—'}</td>
                  <td>{t.planName}</td>
                  <td>{t.status === 'ACTIVE' ? 'Active' : <span className="field-error">Suspended</span>}</td>
                  <td className="num">{formatCredits(t.balance)}</td>
                  <td className="num">{t.jobCount}</td>
                  <td>{formatTime(t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
