import type { ReactNode } from 'react';
import type { ApiError } from '../lib/api-client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A failed load or action, with what to do about it. */
export function ErrorNotice({ error, retry }: { error: ApiError | undefined; retry?: () => void }) {
  if (!error) return null;
  const hint =
    error.status === 403
      ? 'Your account does not have access to this.'
      : error.status === 404
        ? 'It may have been removed, or it belongs to another account.'
        : error.status === 0 || error.status >= 500
          ? 'This is on our side; try again in a moment.'
          : undefined;
  return (
    <div className="notice error" role="alert">
      <strong>{error.status === 403 ? 'Access denied' : error.status === 404 ? 'Not found' : 'Something went wrong'}</strong>
      <div>{error.message}</div>
      {hint && <div className="muted small">{hint}</div>}
      {retry && error.status !== 403 && error.status !== 404 && (
        <button type="button" className="secondary" onClick={retry} style={{ marginTop: '0.5rem' }}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id}>
      {message}
    </span>
  );
}
