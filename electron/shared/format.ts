// Human-readable numbers shared by the renderer, the CLI and the reports. Decimal units
// (1 KB = 1000 B) so sizes agree with the cost setting, which prices 10^9 bytes as one GB.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Placeholder for values the OS did not report; never rendered as 0. */
export const UNKNOWN = '—';

/** "0 B", "532 B", "1.23 KB", "12.3 MB", "123 GB"; `null` → "—". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return UNKNOWN;
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1000) return `${sign}${Math.round(value)} B`;
  let unit = 0;
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  // Three significant digits read well at a glance and do not jitter in width.
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second: "0 B/s", "1.23 MB/s"; `null` → "—". */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return UNKNOWN;
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "0.35 USD"; amounts under a cent keep four decimals so they do not read as zero. */
export function formatMoney(amount: number, currency: string): string {
  return `${amount.toFixed(amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2)} ${currency}`;
}

/** Local "YYYY-MM-DD HH:MM" (with ":SS" when asked); null → "—". */
export function formatLocalTime(ms: number | null, seconds = false): string {
  if (ms === null) return UNKNOWN;
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return seconds ? `${base}:${p(d.getSeconds())}` : base;
}
