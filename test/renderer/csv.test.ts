import { describe, expect, it } from 'vitest';
import './setup';
import { csvCell, toCsv } from '../../renderer/src/format/csv';
import { HISTORY_CSV_HEADER, historyToCsv, historyToJson } from '../../renderer/src/views/history/export';
import type { FlowRecord } from '../../electron/shared/types';

/** A minimal RFC 4180 parser, so the tests check what a spreadsheet would read back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && src[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('csvCell', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rx')).toBe('"cr\rx"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '=HYPERLINK("http://x","y")', '\t=1', '\r=1'])('neutralises formula %j', (v) => {
    const out = parseCsv(`${csvCell(v)}\r\n`)[0]![0]!;
    expect(out.startsWith("'")).toBe(true);
    expect(out.slice(1)).toBe(v);
  });

  it('writes numbers, booleans and empties plainly (unknown stays empty, not 0)', () => {
    expect(csvCell(42)).toBe('42');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(Number.NaN)).toBe('');
  });
});

describe('toCsv', () => {
  it('round-trips hostile values through a CSV reader', () => {
    const hostile = ['<img src=x onerror=alert(1)>', 'evil\u202Egnp.exe', 'line1\nline2', 'comma, "quote"', '=cmd|"/c calc"!A1'];
    const text = toCsv(['v'], hostile.map((h) => [h]));
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const back = parseCsv(text).slice(1).map((r) => r[0]);
    expect(back).toEqual(hostile.map((h) => (/^[=+\-@\t\r]/.test(h) ? `'${h}` : h)));
  });
});

describe('history export', () => {
  const rec = (over: Partial<FlowRecord>): FlowRecord => ({
    id: 1,
    appId: 1,
    appName: 'firefox',
    appPath: '/usr/lib/firefox/firefox',
    attributed: true,
    pid: 10,
    uid: 1000,
    proto: 'tcp',
    family: 4,
    local: '192.168.1.5',
    lport: 40000,
    remote: '198.18.0.1',
    rport: 443,
    openedAt: Date.UTC(2026, 10, 26, 10, 0, 0),
    closedAt: null,
    bytesOut: 100,
    bytesIn: null,
    host: '=evil.example',
    country: 'DE',
    asn: 24940,
    org: 'Hetzner, "Online"',
    scope: 'internet',
    ...over,
  });

  it('exports exactly the rows given, with unknown bytes empty and formulas neutralised', () => {
    const rows = [rec({ id: 1 }), rec({ id: 2, appName: '@evil', bytesIn: 0 })];
    const parsed = parseCsv(historyToCsv(rows));
    expect(parsed[0]).toEqual([...HISTORY_CSV_HEADER]);
    expect(parsed).toHaveLength(3);
    const col = (name: string) => HISTORY_CSV_HEADER.indexOf(name as (typeof HISTORY_CSV_HEADER)[number]);
    expect(parsed[1]![col('opened_at')]).toBe('2026-11-26T10:00:00.000Z');
    expect(parsed[1]![col('closed_at')]).toBe('');
    expect(parsed[1]![col('bytes_in')]).toBe('');
    expect(parsed[2]![col('bytes_in')]).toBe('0');
    expect(parsed[1]![col('host')]).toBe("'=evil.example");
    expect(parsed[2]![col('app')]).toBe("'@evil");
    expect(parsed[1]![col('org')]).toBe('Hetzner, "Online"');
  });

  it('JSON export keeps nulls as null', () => {
    const doc = JSON.parse(historyToJson([rec({})], { since: 1 })) as { count: number; rows: FlowRecord[]; query: unknown };
    expect(doc.count).toBe(1);
    expect(doc.rows[0]!.bytesIn).toBeNull();
    expect(doc.query).toEqual({ since: 1 });
  });
});
