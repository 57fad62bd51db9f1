const cache = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, small: boolean): Intl.NumberFormat {
  const key = `${currency}:${small}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(undefined, small
      ? { style: 'currency', currency, maximumSignificantDigits: 2 }
      : { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    cache.set(key, f);
  }
  return f;
}

/** Egress cost: "$1.23"; sub-cent amounts keep two significant digits ("$0.0031") instead of rounding to $0.00. */
export function formatCost(amount: number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  const code = /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  const small = amount > 0 && amount < 0.01;
  return formatter(code, small).format(amount);
}

/** 0.934 → "93%"; null → "unknown". */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'unknown';
  const pct = Math.max(0, Math.min(1, ratio)) * 100;
  return pct > 0 && pct < 1 ? '<1%' : `${Math.round(pct)}%`;
}
