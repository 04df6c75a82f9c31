/** One ledger row as the CSV export writes it. */
export interface LedgerCsvRow {
  id: string;
  createdAt: string;
  kind: string;
  amount: string;
  balanceAfter: string;
  jobId: string;
  paymentRef: string;
  actor: string;
  reason: string;
}

export const LEDGER_CSV_COLUMNS: Array<keyof LedgerCsvRow> = ['id', 'createdAt', 'kind', 'amount', 'balanceAfter', 'jobId', 'paymentRef', 'actor', 'reason'];

/**
 * A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field a spreadsheet would run as a
 * formula (=, +, -, @, tab, CR at the start) gets a leading apostrophe, except plain signed numbers.
 */
export function csvField(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v) && !/^[+-]?\d+(\.\d+)?$/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const csvLine = (row: LedgerCsvRow) => `${LEDGER_CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
export const csvHeader = () => `${LEDGER_CSV_COLUMNS.join(',')}\r\n`;
