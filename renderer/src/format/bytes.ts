// Byte formatting shared with the CLI and reports lives in electron/shared/format.ts.
export { formatBytes, formatRate, UNKNOWN } from '../../../electron/shared/format';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Short form for axis ticks: "1.2M", "340K". */
export function formatBytesShort(bytes: number): string {
  if (!Number.isFinite(bytes)) return '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const text = value >= 10 || unit === 0 ? value.toFixed(0) : value.toFixed(1);
  return `${bytes < 0 ? '-' : ''}${text} ${UNITS[unit]}`;
}
