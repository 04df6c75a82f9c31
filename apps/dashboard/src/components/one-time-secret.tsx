'use client';
import { useEffect, useRef, useState } from 'react';

/**
 * A secret shown once (a new key, an invitation link, a webhook secret): focused when it appears so that keyboard
 * and screen-reader users find it, with a copy button and a "done" button that hides it for good.
 */
export function OneTimeSecret({ title, value, children, onDone, testId }: { title: string; value: string; children?: React.ReactNode; onDone: () => void; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => ref.current?.focus(), [value]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <section className="panel" aria-label={title} style={{ borderColor: 'var(--ok)' }}>
      <h2>{title}</h2>
      {children}
      <div className="secret mono" tabIndex={-1} ref={ref} data-testid={testId} aria-label={title}>
        {value}
      </div>
      <div className="row" style={{ marginTop: '0.6rem' }}>
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span role="status" aria-live="polite" className="small muted">
          {copied ? 'Copied to the clipboard.' : ''}
        </span>
        <button type="button" className="secondary" onClick={onDone}>
          Done, hide it
        </button>
      </div>
    </section>
  );
}
