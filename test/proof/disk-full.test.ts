import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSummary, EngineStatus, HistoryPage, Rule } from '../../electron/shared/types';
import { createBareNs } from '../helpers/netns';
import { assertBuilt, BIN } from '../helpers/outflow-cli';
import { missing } from '../helpers/requires';
import { startLoad, type Load } from './support/load';
import { startServe, waitFor, type ServeProcess } from './support/serve';

// The disk holding the database fills up while `outflow serve` records heavy traffic (a 2 MB tmpfs,
// filled by the test): the engine says so (status.store.lastWriteError), its API keeps answering, the
// firewall stays exactly as it was (kernel rules and status), a rule change is refused clearly
// without touching the kernel, the engine keeps running, and it writes again once space is freed.
// It runs in a network namespace of its own, so the firewall it enforces is that namespace's.

const why = missing(['root', 'netns', 'nft']);
const ENV = { OUTFLOW_PRECISE: '0' };

describe.skipIf(why)('disk full', () => {
  let mnt: string;
  let mounted = false;
  let ns: { ns: string; destroy(): void };
  let load: Load | null = null;
  let s: ServeProcess | null = null;

  beforeAll(() => {
    assertBuilt();
    mnt = mkdtempSync(join(tmpdir(), 'outflow-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mnt]);
    mounted = true;
    ns = createBareNs('full');
  });
  afterAll(async () => {
    await s?.stop();
    await load?.stop();
    ns?.destroy();
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('reports it, keeps answering and enforcing, refuses rule changes clearly, and resumes when space is freed', { timeout: 90_000 }, async () => {
    const db = join(mnt, 'outflow.db');
    const inNs = ['ip', 'netns', 'exec', ns.ns];
    const cli = (args: string[]): { code: number; stdout: string; stderr: string } => {
      try {
        return { code: 0, stdout: execFileSync(inNs[0]!, [...inNs.slice(1), process.execPath, BIN, ...args, '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const json = <T>(args: string[]): T => {
      const r = cli([...args, '--json']);
      if (r.code !== 0 && r.code !== 3) throw new Error(`outflow ${args.join(' ')}: ${r.code} ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    };
    const nftTable = (): string => execFileSync('ip', ['netns', 'exec', ns.ns, 'nft', 'list', 'table', 'inet', 'outflow'], { encoding: 'utf8' });

    load = await startLoad({ hold: 60, holdEveryMs: 100, rate: 200, ports: 2 }, { wrapper: inNs });
    s = await startServe({ args: ['--db', db, '--firewall', 'auto', '--quiet'], env: ENV, wrapper: inNs });
    expect(cli(['block', '198.18.4.4', '--note', 'before the disk filled']).code).toBe(0);
    await waitFor('traffic recorded', () => json<AppSummary[]>(['apps', '--all']).length > 0);
    const fwBefore = json<EngineStatus>(['status']).firewall;
    expect(fwBefore.state).toBe('enforcing');
    const tableBefore = nftTable();
    expect(tableBefore).toContain('198.18.4.4');

    // Fill the disk.
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(16 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    const full = await waitFor('the write error', () => {
      const st = json<EngineStatus>(['status']);
      return st.store.lastWriteError ? st : null;
    });
    expect(full.store.lastWriteError).toMatch(/full/);
    // Still answering, from what it holds.
    expect(json<AppSummary[]>(['apps', '--all']).length).toBeGreaterThan(0);
    expect(json<HistoryPage>(['history', '--all', '--limit', '5']).rows.length).toBeGreaterThan(0);
    // A rule change is refused, clearly, and neither the rules nor the kernel change.
    const refused = cli(['block', '198.18.4.5']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/disk holding the database is full; nothing was changed/);
    expect(json<Rule[]>(['rules']).map((r) => r.target)).toEqual(['198.18.4.4']);
    // The firewall is exactly as it was.
    await new Promise((r) => setTimeout(r, 1500));
    expect(json<EngineStatus>(['status']).firewall).toMatchObject({ backend: fwBefore.backend, state: 'enforcing', ruleCount: fwBefore.ruleCount });
    const counters = (t: string): string => t.replace(/packets \d+ bytes \d+/g, 'packets N bytes N');
    expect(counters(nftTable())).toBe(counters(tableBefore));
    expect(s.alive()).toBe(true);

    // Space comes back: writing resumes and new traffic is recorded.
    const flowsBefore = json<HistoryPage>(['history', '--all', '--limit', '1']).totals.count;
    rmSync(filler);
    await waitFor('writes to resume', () => json<EngineStatus>(['status']).store.lastWriteError === null);
    await waitFor('new connections recorded', () => json<HistoryPage>(['history', '--all', '--limit', '1']).totals.count > flowsBefore, 20_000, 500);
    expect(cli(['block', '198.18.4.5']).code).toBe(0);
    expect(nftTable()).toContain('198.18.4.5');
    expect(s.alive()).toBe(true);
    await s.stop();
    s = null;
  });
});
