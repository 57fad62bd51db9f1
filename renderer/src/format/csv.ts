// RFC 4180 CSV, safe to open in a spreadsheet.

export type CsvCell = string | number | boolean | null | undefined;

// Spreadsheets evaluate cells starting with these as formulas (CSV injection); a leading apostrophe
// makes them text. Tab and carriage return are included because some spreadsheets strip them first.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** Header plus rows, CRLF line ends, UTF-8 BOM so spreadsheets pick the right encoding. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
