const LABELS: Record<string, string> = { CREATED: 'Waiting', PENDING: 'Waiting', WAITING: 'Waiting', RUNNING: 'Running', SUCCESS: 'Done', FAILED: 'Failed', CANCELED: 'Canceled' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${status}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
