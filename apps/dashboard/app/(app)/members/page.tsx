'use client';
import { FormEvent, useState } from 'react';
import { OneTimeSecret } from '../../../src/components/one-time-secret';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { CreateInviteResponse, InviteView, MembersResponse, MemberView } from '../../../src/lib/api-types';
import { formatTime } from '../../../src/lib/format';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const ROLE_LABELS: Record<string, string> = { TENANT_OWNER: 'Owner', TENANT_MEMBER: 'Member', ADMIN: 'Admin' };

export default function MembersPage() {
  const { me } = useSession();
  const canManage = me.user.role !== 'TENANT_MEMBER' && !me.impersonating;
  const members = useApi<MembersResponse>('/members');
  const [created, setCreated] = useState<{ link: string; email: string } | undefined>();
  const [formError, setFormError] = useState<ApiError | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fields = formError?.fieldErrors() ?? {};

  async function invite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setBusy(true);
    setFormError(undefined);
    try {
      const res = await api<CreateInviteResponse>('/members/invites', { method: 'POST', body: { email: String(new FormData(form).get('email') ?? '') } });
      setCreated({ link: `${window.location.origin}${res.path}`, email: res.invite.email });
      form.reset();
      members.reload();
    } catch (e) {
      setFormError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function act(path: string, question: string) {
    if (!window.confirm(question)) return;
    setActionError(undefined);
    try {
      await api(path, { method: 'DELETE' });
      members.reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  }

  const list: MemberView[] = members.data?.members ?? [];
  const invites: InviteView[] = members.data?.invites ?? [];
  return (
    <>
      <h1>Members</h1>
      <p className="muted">Everyone here signs in to this account&apos;s dashboard. Members can run jobs and see everything; only owners change keys, credentials, webhooks and members.</p>

      {created && (
        <OneTimeSecret title={`Invitation link for ${created.email}`} value={created.link} testId="invite-link" onDone={() => setCreated(undefined)}>
          <p>
            Send this link to {created.email} yourself (darkroom sends no email). It works once, for 7 days, and is shown only now. Inviting the same address
            again replaces it.
          </p>
        </OneTimeSecret>
      )}

      <section className="panel" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        {!canManage ? (
          <p className="muted">{me.impersonating ? 'Read-only view: invitations are off.' : 'Only the account owner can invite people.'}</p>
        ) : (
          <form className="row" onSubmit={invite} noValidate style={{ alignItems: 'flex-start' }}>
            <div className="field" style={{ flex: 1, minWidth: '16rem' }}>
              <label htmlFor="invite-email">Email</label>
              <input id="invite-email" name="email" type="email" required autoComplete="off" aria-invalid={fields.email ? true : undefined} aria-describedby={fields.email ? 'invite-email-error' : undefined} />
              <FieldError id="invite-email-error" message={fields.email} />
              {formError && !fields.email && (
                <span className="field-error" role="alert">
                  {formError.message}
                </span>
              )}
            </div>
            <button type="submit" disabled={busy} style={{ marginTop: '1.7rem' }}>
              {busy ? 'Creating…' : 'Create invitation link'}
            </button>
          </form>
        )}
      </section>

      <section className="panel" aria-labelledby="members-heading">
        <h2 id="members-heading">People</h2>
        <ErrorNotice error={members.error ?? actionError} retry={members.reload} />
        {members.loading && <Loading what="the members" />}
        {list.length > 0 && (
          <div className="table-wrap">
            <table>
              <TableHead columns={['Email', 'Role', 'Joined', 'Last sign-in']} actions={canManage} />
              <tbody>
                {list.map((m) => (
                  <tr key={m.id} data-testid="member-row">
                    <td>
                      {m.email}
                      {m.id === me.user.id && <span className="muted small"> (you)</span>}
                    </td>
                    <td>{ROLE_LABELS[m.role] ?? m.role}</td>
                    <td>{formatTime(m.createdAt)}</td>
                    <td>{m.lastLoginAt ? formatTime(m.lastLoginAt) : 'never'}</td>
                    {canManage && (
                      <td>
                        {m.role === 'TENANT_MEMBER' && m.id !== me.user.id && (
                          <button type="button" className="danger" onClick={() => act(`/members/${m.id}`, `Remove ${m.email}? They are signed out at once.`)} aria-label={`Remove ${m.email}`}>
                            Remove
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

      <section className="panel" aria-labelledby="invites-heading">
        <h2 id="invites-heading">Open invitations</h2>
        {!members.loading && invites.length === 0 && (
          <Empty title="No open invitations">{canManage && <span>Invite someone above and send them the link.</span>}</Empty>
        )}
        {invites.length > 0 && (
          <div className="table-wrap">
            <table>
              <TableHead columns={['Email', 'Status', 'Created', 'Expires']} actions={canManage} />
              <tbody>
                {invites.map((i) => (
                  <tr key={i.id} data-testid="invite-row">
                    <td>{i.email}</td>
                    <td>
                      <span className={`badge ${i.status}`}>{i.status === 'PENDING' ? 'Waiting' : 'Expired'}</span>
                    </td>
                    <td>{formatTime(i.createdAt)}</td>
                    <td>{formatTime(i.expiresAt)}</td>
                    {canManage && (
                      <td>
                        <button type="button" className="danger" onClick={() => act(`/members/invites/${i.id}`, `Revoke the invitation for ${i.email}? The link stops working.`)} aria-label={`Revoke the invitation for ${i.email}`}>
                          Revoke
                        </button>
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
