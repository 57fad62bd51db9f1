import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli';
import { BIN, assertBuilt } from '../helpers/outflow-cli';

// Every CLI command and option, given hostile strings (shell metacharacters, quotes, newlines, NUL,
// RTL override, 64 KB): the command refuses with exit code 2 (bad arguments) or 1 and one clear line,
// nothing is executed (the marker file the payloads try to create never appears) and nothing is
// stored (the rules in the database and in its backup stay as they were). The few options whose
// value is data (a note, an app path) may accept a printable value: then it is stored verbatim,
// never interpreted, and the test removes it again.
// Run in-process through `main` for volume (NUL cannot even be passed in a real argv), and a sample
// through the real `bin/outflow.js`.

let dir: string;
let db: string;
let marker: string;
let baseline: Row[];

interface Row {
  id: number;
  target: string;
  note: string;
  app_path: string | null;
}

function rules(): Row[] {
  const r = new Database(db, { readonly: true });
  try {
    return r.prepare('SELECT id, target, note, app_path FROM rules ORDER BY id').all() as Row[];
  } finally {
    r.close();
  }
}

function backupRules(): unknown {
  return (JSON.parse(readFileSync(`${db}.rules.json`, 'utf8')) as { rules: unknown }).rules;
}

/** Runs the CLI in-process, capturing what it writes. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-fuzz-'));
  db = join(dir, 'fuzz.db');
  marker = join(dir, 'PWNED');
  process.env.OUTFLOW_DB = join(dir, 'default.db');
  for (const sub of ['in', 'out', 'dbs']) mkdirSync(join(dir, sub));
  const r = await run(['block', '198.18.5.5', '--db', db, '--firewall', 'noop', '--note', 'baseline']);
  expect(r.code).toBe(3);
  baseline = rules();
  expect(baseline).toHaveLength(1);
});
afterAll(() => {
  delete process.env.OUTFLOW_DB;
  rmSync(dir, { recursive: true, force: true });
});

const cores = (): string[] => [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `; touch ${marker}`,
  `| touch ${marker} #`,
  `&& touch ${marker}`,
  `\ntouch ${marker}\n`,
  `'; touch ${marker}; '`,
  `"; touch ${marker}; echo "`,
  '\u0000',
  '\u202egnp.exe',
  '\r\n\u001b[31mred',
  'A'.repeat(64 * 1024),
  '../../../../etc/passwd',
  '%s%n%x',
  '{"__proto__":{"polluted":1}}',
];

/** A hostile string: arbitrary text around one payload. */
const hostile = (): fc.Arbitrary<string> =>
  fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...cores()), fc.string({ maxLength: 12 })).map(([a, c, b]) => a + c + b);

/**
 * A file name made of the hostile string, that can only land inside the test's own directory: the
 * CLI writes `rules export FILE` wherever it is told (as the user asked, with the user's rights), so a
 * `../../etc/passwd` payload must not reach the real /etc. Slashes become a look-alike, and the one
 * component that remains cannot climb out of `<dir>/<sub>/`.
 */
function inSandbox(sub: string, h: string): string {
  const name = h.replace(/\//g, '\u2215');
  return `${dir}/${sub}/${name === '..' || name === '.' ? `x${name}` : name}`;
}

type Kind = 'reject' | 'search' | 'data' | 'path';
interface Slot {
  name: string;
  kind: Kind;
  argv: (h: string) => string[];
  /** For 'data': the stored column that must hold the value verbatim. */
  column?: 'note' | 'app_path';
  /** When the payload decides the kind (see `-<hostile>`). */
  kindOf?: (h: string) => Kind;
}

/** One-letter options: `-qTEXT` is `--q TEXT` (node's parseArgs), a search, not an unknown option. */
const ONE_LETTER: Record<string, string[]> = { history: ['q'], export: ['q'] };

function slots(): Slot[] {
  const d = ['--db', db];
  const noop = ['--firewall', 'noop'];
  const commands = ['serve', 'connections', 'apps', 'history', 'export', 'block', 'unblock', 'rules', 'status', 'alerts', 'doctor'];
  const out: Slot[] = [{ name: 'command name', kind: 'reject', argv: (h) => [h, ...d] }];
  for (const c of commands) {
    out.push({ name: `${c} --<hostile>`, kind: 'reject', argv: (h) => [c, `--${h}`, ...d, ...(c === 'block' || c === 'unblock' ? noop : [])] });
    const letters = ONE_LETTER[c] ?? [];
    out.push({
      name: `${c} -<hostile>`,
      kind: 'reject',
      kindOf: (h) => (letters.includes(h[0] ?? '') ? 'search' : 'reject'),
      argv: (h) => [c, `-${h}`, ...d],
    });
  }
  for (const c of ['serve', 'connections', 'apps', 'history', 'status', 'alerts', 'doctor']) {
    out.push({ name: `${c} <hostile positional>`, kind: 'reject', argv: (h) => [c, ...d, h] });
  }
  const reject = (name: string, argv: (h: string) => string[]): Slot => ({ name, kind: 'reject', argv });
  out.push(
    reject('serve --host', (h) => ['serve', ...d, '--firewall', 'noop', '--host', h]),
    reject('serve --port', (h) => ['serve', ...d, '--firewall', 'noop', '--port', h]),
    reject('serve --firewall', (h) => ['serve', ...d, '--firewall', h]),
    reject('apps --since', (h) => ['apps', ...d, '--since', h]),
    reject('apps --until', (h) => ['apps', ...d, '--until', h]),
    reject('history --since', (h) => ['history', ...d, '--since', h]),
    reject('history --until', (h) => ['history', ...d, '--until', h]),
    reject('history --proto', (h) => ['history', ...d, '--proto', h]),
    reject('history --port', (h) => ['history', ...d, '--port', h]),
    reject('history --country', (h) => ['history', ...d, '--country', h]),
    reject('history --limit', (h) => ['history', ...d, '--limit', h]),
    reject('export --format', (h) => ['export', ...d, '--format', h]),
    reject('export --port', (h) => ['export', ...d, '--format', 'json', '--port', h]),
    reject('block <target>', (h) => ['block', h, ...d, ...noop]),
    reject('block --port', (h) => ['block', '198.18.5.6', '--port', h, ...d, ...noop]),
    reject('block --proto', (h) => ['block', '198.18.5.6', '--proto', h, ...d, ...noop]),
    reject('block --for', (h) => ['block', '198.18.5.6', '--for', h, ...d, ...noop]),
    reject('block --firewall', (h) => ['block', '198.18.5.6', ...d, '--firewall', h]),
    reject('unblock <rule>', (h) => ['unblock', h, ...d, ...noop]),
    reject('unblock --firewall', (h) => ['unblock', '1', ...d, '--firewall', h]),
    reject('rules import <file>', (h) => ['rules', 'import', inSandbox('in', h), ...d]),
    reject('rules <extra>', (h) => ['rules', ...d, h]),
    reject('alerts --since', (h) => ['alerts', ...d, '--since', h]),
    { name: 'history --app', kind: 'search', argv: (h) => ['history', ...d, '--app', h] },
    { name: 'history --host', kind: 'search', argv: (h) => ['history', ...d, '--host', h] },
    { name: 'history --q', kind: 'search', argv: (h) => ['history', ...d, '--q', h] },
    { name: 'export --q', kind: 'search', argv: (h) => ['export', ...d, '--format', 'csv', '--q', h] },
    { name: 'block --note', kind: 'data', column: 'note', argv: (h) => ['block', '198.18.5.7', '--note', h, ...d, ...noop] },
    { name: 'block --app', kind: 'data', column: 'app_path', argv: (h) => ['block', '198.18.5.8', '--app', h, ...d, ...noop] },
    { name: 'apps --db', kind: 'path', argv: (h) => ['apps', '--db', inSandbox('dbs', h)] },
    { name: 'history --db', kind: 'path', argv: (h) => ['history', '--db', inSandbox('dbs', h)] },
    { name: 'rules export <file>', kind: 'path', argv: (h) => ['rules', 'export', inSandbox('out', h), ...d] },
  );
  return out;
}

// eslint-disable-next-line no-control-regex
const UNSAFE_OUTPUT = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

async function check(slot: Slot, h: string): Promise<void> {
  const r = await run(slot.argv(h));
  const where = `${slot.name} ${JSON.stringify(h.slice(0, 60))}: exit ${r.code}: ${r.err.slice(0, 300)}`;
  expect(existsSync(marker), where).toBe(false);
  expect([0, 1, 2, 3], where).toContain(r.code);
  if (r.code !== 0 && r.code !== 3) {
    // One clear line, no stack trace, nothing that could rewrite the terminal.
    expect(r.err.trim().split('\n'), where).toHaveLength(1);
    expect(r.err, where).toMatch(/^outflow( \w+)?: /);
    expect(r.err, where).not.toMatch(UNSAFE_OUTPUT);
  }
  switch (slot.kindOf?.(h) ?? slot.kind) {
    case 'reject':
      expect(r.code, where).toBe(2);
      break;
    case 'search':
      expect([0, 2], where).toContain(r.code);
      break;
    case 'path':
      expect([0, 1, 2], where).toContain(r.code);
      break;
    case 'data': {
      expect([2, 3], where).toContain(r.code);
      if (r.code === 3) {
        const added = rules().filter((x) => !baseline.some((b) => b.id === x.id));
        expect(added, where).toHaveLength(1);
        expect(added[0]![slot.column!], where).toBe(h);
        expect((await run(['unblock', String(added[0]!.id), '--db', db, '--firewall', 'noop'])).code, where).toBe(0);
      }
      break;
    }
  }
  expect(rules(), where).toEqual(baseline);
}

describe('CLI fuzzing', () => {
  it('every command and option refuses hostile strings, executes nothing and stores nothing', { timeout: 300_000 }, async () => {
    const all = slots();
    for (const slot of all) {
      await fc.assert(
        fc.asyncProperty(hostile(), (h) => check(slot, h)),
        { numRuns: slot.kind === 'reject' ? 12 : 25 },
      );
      // Every payload once, whatever the sampling picked.
      for (const core of cores()) await check(slot, core);
    }
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(join(dir, 'out')).length).toBeGreaterThan(0);
    expect(rules()).toEqual(baseline);
    expect(backupRules()).toEqual([expect.objectContaining({ target: '198.18.5.5', note: 'baseline' })]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the real bin/outflow.js refuses them the same way', { timeout: 120_000 }, async () => {
    assertBuilt();
    const real = (argv: string[]): Promise<{ code: number; err: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, OUTFLOW_PRECISE: '0' } }, (e, _out, err) => {
          resolve({ code: e ? ((e as { code?: unknown }).code as number) : 0, err });
        });
      });
    // A real argv cannot carry NUL; everything else can.
    const payloads = cores().filter((c) => !c.includes('\u0000'));
    for (const slot of slots().filter((s) => s.kind === 'reject' && !s.name.startsWith('serve --firewall'))) {
      for (const p of [payloads[0]!, payloads[5]!, payloads[9]!, payloads[11]!]) {
        const r = await real(slot.argv(p));
        const where = `${slot.name}: ${r.err.slice(0, 200)}`;
        expect(r.code, where).toBe(2);
        expect(r.err, where).not.toMatch(UNSAFE_OUTPUT);
      }
    }
    expect(existsSync(marker)).toBe(false);
    expect(rules()).toEqual(baseline);
  });
});
