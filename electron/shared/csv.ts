// CSV for exports (CLI and the History view alike): RFC 4180 quoting, and cells that a spreadsheet
// would run as a formula (= + - @, tab, CR at the start) are prefixed with ' so opening an export
// never executes anything a remote host or process name put there.

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Header line (when `header`) plus one line per row, CRLF-terminated. */
export function toCsv<T>(columns: readonly (keyof T & string)[], rows: readonly T[], header = true): string {
  const lines: string[] = [];
  if (header) lines.push(columns.map(csvCell).join(','));
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return lines.length ? lines.join('\r\n') + '\r\n' : '';
}
