'use client';
import { FormEvent, useState } from 'react';
import { OneTimeSecret } from '../../../src/components/one-time-secret';
import { useSession } from '../../../src/components/session-context';
import { Empty, ErrorNotice, FieldError, Loading } from '../../../src/components/states';
import { api, ApiError, toApiError } from '../../../src/lib/api-client';
import type { DashboardModelsResponse, MintModelAccessKeyResponse, ModelAccessKeyView, OwnModelView, StartModelUploadResponse } from '../../../src/lib/api-types';
import { formatBytes, formatCredits, formatTime } from '../../../src/lib/format';
import { uploadFiles, type UploadProgress } from '../../../src/lib/model-upload';
import { useApi } from '../../../src/lib/use-api';
import { TableHead } from '../../../src/components/table-head';

const TYPES = [
  { id: 'LORA', label: 'LoRA', single: true },
  { id: 'LOCON', label: 'LoCon', single: true },
  { id: 'LYCORIS', label: 'LyCORIS', single: true },
  { id: 'TEXTUAL_INVERSION', label: 'Embedding (textual inversion)', single: true },
  { id: 'CHECKPOINT', label: 'Checkpoint (ONNX folder)', single: false },
  { id: 'VAE', label: 'VAE (ONNX folder)', single: false },
  { id: 'CONTROLNET', label: 'ControlNet (ONNX folder)', single: false },
];
const STATUS_LABEL: Record<string, string> = { PENDING_UPLOAD: 'Waiting for files', UPLOADING: 'Uploading', READY: 'Ready' };

/** Relative path of a picked file: inside the chosen folder for folder uploads (without the folder's own name). */
function relativePath(f: File, folder: boolean): string {
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
  return folder && rel ? rel.split('/').slice(1).join('/') : f.name;
}

function UploadForm({ onDone }: { onDone: () => void }) {
  const [type, setType] = useState('LORA');
  const [error, setError] = useState<ApiError | undefined>();
  const [progress, setProgress] = useState<UploadProgress | undefined>();
  const [done, setDone] = useState<OwnModelView | undefined>();
  const single = TYPES.find((t) => t.id === type)?.single ?? true;
  const fields = error?.fieldErrors() ?? {};
  const filesError = Object.entries(fields).find(([f]) => f.startsWith('files'))?.[1];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const picked = (form.elements.namedItem('files') as HTMLInputElement).files;
    const files = picked ? Array.from(picked).filter((f) => !relativePath(f, !single).split('/').some((p) => p.startsWith('.'))) : [];
    setError(undefined);
    setDone(undefined);
    try {
      const started = await api<StartModelUploadResponse>('/models/uploads', {
        method: 'POST',
        body: {
          name: String(data.get('name') ?? ''),
          description: String(data.get('description') ?? ''),
          modelType: type,
          baseModel: String(data.get('baseModel') ?? ''),
          visibility: String(data.get('visibility') ?? 'PRIVATE'),
          files: files.map((f) => ({ path: relativePath(f, !single), bytes: f.size })),
        },
      });
      const byPath = new Map(files.map((f) => [relativePath(f, !single), f]));
      await uploadFiles(started.uploads, byPath, setProgress);
      const { model } = await api<{ model: OwnModelView }>(`/models/${started.model.id}/complete`, { method: 'POST' });
      setDone(model);
      form.reset();
      onDone();
    } catch (e) {
      setError(toApiError(e));
      onDone();
    } finally {
      setProgress(undefined);
    }
  }

  const busy = progress !== undefined;
  return (
    <form className="stack" onSubmit={submit} noValidate aria-describedby="upload-hint">
      <p className="hint" id="upload-hint">
        LoRAs and embeddings are one <code>.safetensors</code> file; checkpoints, VAEs and ControlNets are an ONNX folder (diffusers/optimum layout, with <code>model_index.json</code>). Files go to darkroom&apos;s storage and are checked before the item can be used.
      </p>
      {error && !fields.name && !fields.baseModel && !filesError && (
        <div className="notice error" role="alert">
          {error.message}
        </div>
      )}
      {done && (
        <div className="notice success" role="status" data-testid="upload-done">
          “{done.name}” is uploaded and ready ({formatBytes(done.fileBytes ?? 0)}). Use it in a job as <code>{done.id}</code>.
        </div>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="model-name">Name</label>
          <input id="model-name" name="name" required maxLength={200} aria-invalid={fields.name ? true : undefined} aria-describedby={fields.name ? 'model-name-error' : undefined} />
          <FieldError id="model-name-error" message={fields.name} />
        </div>
        <div className="field">
          <label htmlFor="model-type">Type</label>
          <select id="model-type" name="modelType" value={type} onChange={(e) => setType(e.target.value)}>
            {TYPES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="model-base">Base model</label>
          <select id="model-base" name="baseModel" defaultValue="SD1" aria-invalid={fields.baseModel ? true : undefined}>
            <option value="SD1">SD 1.x</option>
            <option value="SD2">SD 2.x</option>
            <option value="SDXL">SDXL</option>
          </select>
          <FieldError id="model-base-error" message={fields.baseModel} />
        </div>
        <div className="field">
          <label htmlFor="model-visibility">Visibility</label>
          <select id="model-visibility" name="visibility" defaultValue="PRIVATE" aria-describedby="model-visibility-hint">
            <option value="PRIVATE">Private</option>
            <option value="PUBLIC">Public</option>
          </select>
          <span className="hint" id="model-visibility-hint">
            Private items run for you and for holders of an access key.
          </span>
        </div>
      </div>
      <div className="field">
        <label htmlFor="model-description">Description</label>
        <textarea id="model-description" name="description" maxLength={5000} />
      </div>
      <div className="field">
        <label htmlFor="model-files">{single ? 'File (.safetensors)' : 'Folder'}</label>
        <input
          id="model-files"
          name="files"
          type="file"
          required
          {...(single ? { accept: '.safetensors' } : { multiple: true, webkitdirectory: '' })}
          aria-invalid={filesError ? true : undefined}
          aria-describedby={filesError ? 'model-files-error' : undefined}
        />
        <FieldError id="model-files-error" message={filesError} />
      </div>
      {progress && (
        <div role="status" aria-live="polite">
          <label htmlFor="upload-progress" className="small">
            Uploading {progress.file} ({formatBytes(progress.sent)} of {formatBytes(progress.total)})
          </label>
          <progress id="upload-progress" max={progress.total} value={progress.sent} />
        </div>
      )}
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </div>
    </form>
  );
}

function MintKeyForm({ models, onMinted }: { models: OwnModelView[]; onMinted: (r: MintModelAccessKeyResponse) => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors() ?? {};
  const modelsError = Object.entries(fields).find(([f]) => f.startsWith('modelIds'))?.[1];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const num = (name: string) => (String(data.get(name) ?? '') === '' ? undefined : Number(data.get(name)));
    const expires = String(data.get('expiresAt') ?? '');
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<MintModelAccessKeyResponse>('/models/access-keys', {
        method: 'POST',
        body: {
          name: String(data.get('name') ?? ''),
          modelIds: data.getAll('modelIds').map(String),
          usageLimit: num('usageLimit'),
          feePerJob: num('feePerJob') ?? 0,
          expiresAt: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : undefined,
        },
      });
      form.reset();
      onMinted(res);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  if (models.length === 0) return <p className="muted">Upload or register an item first; a key grants use of some of your items.</p>;
  return (
    <form className="stack" onSubmit={submit} noValidate>
      {error && !fields.name && !modelsError && !fields.usageLimit && !fields.feePerJob && !fields.expiresAt && (
        <div className="notice error" role="alert">
          {error.message}
        </div>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="key-name">Key name</label>
          <input id="key-name" name="name" required maxLength={100} aria-invalid={fields.name ? true : undefined} aria-describedby={fields.name ? 'key-name-error' : undefined} />
          <FieldError id="key-name-error" message={fields.name} />
        </div>
        <div className="field">
          <label htmlFor="key-limit">Usage limit</label>
          <input id="key-limit" name="usageLimit" type="number" min={1} step={1} placeholder="unlimited" aria-invalid={fields.usageLimit ? true : undefined} />
          <FieldError id="key-limit-error" message={fields.usageLimit} />
        </div>
        <div className="field">
          <label htmlFor="key-fee">Fee per job (credits)</label>
          <input id="key-fee" name="feePerJob" type="number" min={0} step="0.0001" placeholder="0" aria-describedby="key-fee-hint" aria-invalid={fields.feePerJob ? true : undefined} />
          <span className="hint" id="key-fee-hint">
            Paid to you by each job that uses the key.
          </span>
          <FieldError id="key-fee-error" message={fields.feePerJob} />
        </div>
        <div className="field">
          <label htmlFor="key-expires">Expires on</label>
          <input id="key-expires" name="expiresAt" type="date" aria-invalid={fields.expiresAt ? true : undefined} />
          <FieldError id="key-expires-error" message={fields.expiresAt} />
        </div>
      </div>
      <fieldset>
        <legend>Items the key grants</legend>
        {models.map((m) => (
          <div key={m.id} className="row">
            <input type="checkbox" id={`grant-${m.id}`} name="modelIds" value={m.id} />
            <label htmlFor={`grant-${m.id}`}>
              {m.name} <span className="muted small">({m.modelType.toLowerCase()}, {m.visibility.toLowerCase()})</span>
            </label>
          </div>
        ))}
        <FieldError id="key-models-error" message={modelsError} />
      </fieldset>
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Minting…' : 'Mint access key'}
        </button>
      </div>
    </form>
  );
}

export default function ModelsPage() {
  const { me } = useSession();
  const canManage = me.user.role !== 'TENANT_MEMBER' && !me.impersonating;
  const list = useApi<DashboardModelsResponse>('/models');
  const [minted, setMinted] = useState<MintModelAccessKeyResponse | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const models = list.data?.models ?? [];
  const keys = list.data?.accessKeys ?? [];
  const nameOf = new Map(models.map((m) => [m.id, m.name]));

  async function act(fn: () => Promise<unknown>) {
    setActionError(undefined);
    try {
      await fn();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      list.reload();
    }
  }
  const setVisibility = (m: OwnModelView, visibility: string) => act(() => api(`/models/${m.id}/settings`, { method: 'POST', body: { visibility } }));
  const complete = (m: OwnModelView) => act(() => api(`/models/${m.id}/complete`, { method: 'POST' }));
  const revoke = (k: ModelAccessKeyView) => {
    if (!window.confirm(`Revoke "${k.name}" (${k.prefix}…)? Jobs that send it are refused from now on.`)) return;
    void act(() => api(`/models/access-keys/${k.id}`, { method: 'DELETE' }));
  };

  return (
    <>
      <h1>Models</h1>
      <p className="muted">Your own checkpoints, LoRAs, embeddings, VAEs and ControlNets. Jobs name them by id (or name); other tenants use your private items with an access key you mint here.</p>

      {canManage && (
        <section className="panel" aria-labelledby="upload-heading">
          <h2 id="upload-heading">Upload an item</h2>
          <UploadForm onDone={list.reload} />
        </section>
      )}

      <section className="panel" aria-labelledby="models-heading">
        <h2 id="models-heading">Your items</h2>
        <ErrorNotice error={list.error ?? actionError} retry={list.reload} />
        {list.loading && <Loading what="your models" />}
        {!list.loading && !list.error && models.length === 0 && (
          <Empty title="No models yet">
            <span>{canManage ? 'Upload a LoRA or a checkpoint above; it is private until you make it public.' : 'The account owner can upload models.'}</span>
          </Empty>
        )}
        {models.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Your catalogue items, newest first</caption>
              <TableHead
                columns={[
                  'Name',
                  'Id',
                  'Type',
                  'Base',
                  'Status',
                  { label: 'Size', numeric: true },
                  'Visibility',
                ]}
                actions={canManage}
              />
              <tbody>
                {models.map((m) => (
                  <tr key={m.id} data-testid="model-row" data-model-id={m.id}>
                    <td>
                      {m.name}
                      {m.uploadError && <div className="field-error">{m.uploadError}</div>}
                    </td>
                    <td className="mono">{m.id}</td>
                    <td>{m.modelType.toLowerCase().replace('_', ' ')}</td>
                    <td>{m.baseModel}</td>
                    <td>
                      <span className={`badge ${m.status === 'READY' ? 'SUCCESS' : 'WAITING'}`}>{STATUS_LABEL[m.status] ?? m.status}</span>
                    </td>
                    <td className="num">{m.fileBytes !== null ? formatBytes(m.fileBytes) : m.uploadBytes !== null ? formatBytes(m.uploadBytes) : '—'}</td>
                    <td>
                      <span className={`badge ${m.visibility}`}>{m.visibility.toLowerCase()}</span>
                    </td>
                    {canManage && (
                      <td className="actions">
                        {m.status !== 'READY' && (
                          <button type="button" className="secondary" onClick={() => complete(m)} aria-label={`Check the files of ${m.name} again`}>
                            Check again
                          </button>
                        )}
                        <button type="button" className="secondary" onClick={() => setVisibility(m, m.visibility === 'PUBLIC' ? 'PRIVATE' : 'PUBLIC')} aria-label={`Make ${m.name} ${m.visibility === 'PUBLIC' ? 'private' : 'public'}`}>
                          Make {m.visibility === 'PUBLIC' ? 'private' : 'public'}
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

      {minted && (
        <OneTimeSecret title={`Access key “${minted.accessKey.name}”`} value={minted.key} testId="new-access-key" onDone={() => setMinted(undefined)}>
          <p>Copy it now: it is shown only once. The other tenant sends it with the item in a job (<code>modelAccessKey</code>, <code>loraAccessKey</code>, <code>embeddingAccessKey</code>).</p>
        </OneTimeSecret>
      )}

      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Access keys</h2>
        {canManage && (
          <details style={{ marginBottom: '1rem' }}>
            <summary>Mint a key</summary>
            <div style={{ marginTop: '0.75rem' }}>
              <MintKeyForm
                models={models.filter((m) => m.status === 'READY')}
                onMinted={(r) => {
                  setMinted(r);
                  list.reload();
                }}
              />
            </div>
          </details>
        )}
        {!list.loading && !list.error && keys.length === 0 && <Empty title="No access keys">{canManage && <span>Mint one to let another tenant use a private item.</span>}</Empty>}
        {keys.length > 0 && (
          <div className="table-wrap">
            <table>
              <TableHead
                columns={[
                  'Name',
                  'Key',
                  'Items',
                  { label: 'Used', numeric: true },
                  { label: 'Fee', numeric: true },
                  'Last use',
                  'Expires',
                  'Status',
                ]}
                actions={canManage}
              />
              <tbody>
                {keys.map((k) => (
                  <tr key={k.id} data-testid="access-key-row">
                    <td>{k.name}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td>{k.modelIds.map((id) => nameOf.get(id) ?? id).join(', ')}</td>
                    <td className="num" data-testid="access-key-usage">
                      {k.usageCount}
                      {k.usageLimit !== null ? ` / ${k.usageLimit}` : ''}
                    </td>
                    <td className="num">{formatCredits(k.feePerJob)}</td>
                    <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'}</td>
                    <td>{k.expiresAt ? formatTime(k.expiresAt) : 'never'}</td>
                    <td>
                      <span className={`badge ${k.status === 'active' ? 'ACTIVE' : k.status === 'revoked' ? 'REVOKED' : 'EXPIRED'}`}>{k.status.replace('_', ' ')}</span>
                    </td>
                    {canManage && (
                      <td>
                        {k.status !== 'revoked' && (
                          <button type="button" className="danger" onClick={() => revoke(k)} aria-label={`Revoke access key ${k.name}`}>
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
