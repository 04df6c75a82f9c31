import Link from 'next/link';
import type { LedgerEntryView } from '../lib/api-types';
import { formatChange, formatCredits, formatTime } from '../lib/format';
import { TableHead } from './table-head';

const KIND_LABELS: Record<string, string> = {
  GRANT: 'Grant',
  PURCHASE: 'Purchase',
  RESERVE: 'Job reserved',
  SETTLE: 'Job settled',
  REFUND: 'Job refund',
  ADJUSTMENT: 'Adjustment',
  EXPIRY: 'Expired',
  REVENUE_SHARE: 'Model revenue',
  PAYMENT_REVERSAL: 'Payment reversed',
};

/** Ledger rows, newest first. `jobLinks` links job ids (off on admin pages, where the job is another tenant's). */
export function LedgerTable({ entries, jobLinks = true, caption }: { entries: LedgerEntryView[]; jobLinks?: boolean; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <TableHead
          columns={[
            'When',
            'What',
            { label: 'Change', numeric: true },
            { label: 'Balance after', numeric: true },
            'Details',
          ]}
        />
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="ledger-row" data-kind={e.kind}>
              <td>{formatTime(e.createdAt)}</td>
              <td>{KIND_LABELS[e.kind] ?? e.kind}</td>
              <td className="num">{formatChange(e.amount)}</td>
              <td className="num">{formatCredits(e.balanceAfter)}</td>
              <td>
                {e.jobId &&
                  (jobLinks ? (
                    <Link href={`/jobs/${e.jobId}`} className="mono">
                      job …{e.jobId.slice(-6)}
                    </Link>
                  ) : (
                    <span className="mono">job {e.jobId}</span>
                  ))}
                {e.reason && <span> {e.reason}</span>}
                {e.paymentRef && <span className="muted small"> ({e.paymentRef})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
