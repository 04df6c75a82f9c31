/**
 * Credits are kept to 4 decimal places (the ledger's numeric(20,4)). Arithmetic on balances and lots is done on
 * integer units of 0.0001 credit (bigint), so that sums are exact; numbers appear only at the edges of the API.
 */
export type Units = bigint;

const SCALE = 10_000n;

/** 1.5 → 15000n; more than 4 decimals are rounded half away from zero (as toFixed(4) does). */
export function unitsOf(credits: number | string): Units {
  const text = typeof credits === 'number' ? credits.toFixed(4) : credits.trim();
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new RangeError(`not a credit amount: ${text}`);
  const [, sign, whole, frac = ''] = m;
  const fracUnits = BigInt((frac + '0000').slice(0, 4));
  const roundUp = frac.length > 4 && Number(frac[4]) >= 5 ? 1n : 0n;
  const units = BigInt(whole) * SCALE + fracUnits + roundUp;
  return sign ? -units : units;
}

/** 15000n → "1.5000" (the text Postgres numeric(20,4) takes and gives). */
export function creditsText(units: Units): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const frac = (abs % SCALE).toString().padStart(4, '0');
  return `${negative ? '-' : ''}${abs / SCALE}.${frac}`;
}

export const creditsNumber = (units: Units): number => Number(creditsText(units));

export const minUnits = (a: Units, b: Units): Units => (a < b ? a : b);
export const maxUnits = (a: Units, b: Units): Units => (a > b ? a : b);
