import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../electron/store/db';
import { RemotesTable } from '../../electron/store/queries/remotes';

// The destinations cache stays bounded however many addresses a long-running engine meets, and an
// evicted destination is still the same row (same id, its name still recorded).

const INFO = { scope: 'internet' as const, country: null, asn: null, org: null };
const addr = (i: number): string => `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

describe('RemotesTable cache', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outflow-remotes-'));
    db = openStore({ path: join(dir, 'o.db') }).db;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps at most 20 000 rows in memory, the recently used ones', () => {
    const t = new RemotesTable(db);
    const ids = new Map<string, number>();
    db.transaction(() => {
      for (let i = 0; i < 25_000; i++) {
        ids.set(addr(i), t.ensure(addr(i), 6, INFO, null).id);
        // The first address stays in use all along.
        if (i % 1000 === 0) t.ensure(addr(0), 6, INFO, null);
      }
    })();
    expect(t.size).toBe(20_000);
    expect(db.prepare('SELECT count(*) AS n FROM remotes').get()).toEqual({ n: 25_000 });
    // Evicted ones come back as the same row, not a new one.
    expect(t.ensure(addr(1), 6, INFO, null).id).toBe(ids.get(addr(1)));
    expect(t.get(ids.get(addr(2))!)?.addr).toBe(addr(2));
    expect(db.prepare('SELECT count(*) AS n FROM remotes').get()).toEqual({ n: 25_000 });
    expect(t.size).toBe(20_000);
  });

  it('records a name that arrives after its address was evicted', () => {
    const t = new RemotesTable(db);
    db.transaction(() => {
      for (let i = 0; i < 20_001; i++) t.ensure(addr(i), 6, INFO, null);
    })();
    expect(t.recordHost(addr(0), 'evicted.example', 1)).toBe(true);
    expect(db.prepare('SELECT host FROM remotes WHERE addr = ?').get(addr(0))).toEqual({ host: 'evicted.example' });
    expect(t.recordHost(addr(0), 'evicted.example', 2)).toBe(false);
    expect(t.recordHost('2001:db8::dead', 'unknown.example', 3)).toBe(false);
  });
});
