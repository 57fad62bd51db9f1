// Plain-text output for people; --json output is the contract's data unchanged.
import { formatLocalTime } from '../shared/format';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export { formatBytes } from '../shared/format';

export function formatTime(ms: number | null): string {
  return formatLocalTime(ms, true);
}

/** Columns padded to the widest cell; control characters in data are shown escaped, never emitted. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => safeText(String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(line(headers) + '\n');
  for (const r of cells) process.stdout.write(line(r) + '\n');
  if (rows.length === 0) process.stdout.write('(nothing yet)\n');
}

export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
