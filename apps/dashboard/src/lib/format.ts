/** 12.5 → "12.5", 0.04 → "0.04", 1234 → "1,234": credits keep up to 4 decimals. */
export function formatCredits(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 4 });
}

/** A signed change: "+25", "−0.04". */
export function formatChange(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${formatCredits(Math.abs(value))}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' }) + ' UTC';
}

/** How long between two instants: "1.4 s", "3 min 2 s". */
export function formatDuration(fromIso: string | null, toIso: string | null): string {
  if (!fromIso || !toIso) return '—';
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Statuses in which a job may still change. */
export const LIVE_STATUSES = new Set(['CREATED', 'PENDING', 'WAITING', 'RUNNING']);

/** 1536 → "1.5 KB", 2_500_000_000 → "2.33 GB" (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })} ${units[unit]}`;
}
