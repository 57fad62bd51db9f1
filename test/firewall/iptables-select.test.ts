// Backend selection with nft missing from PATH (→ iptables, real, in a client netns), with nothing
// installed (→ noop, "not enforcing" with the reason), and without root (→ helper or noop).
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../electron/engine/ports';
import { createRulesService, type RulesService } from '../../electron/engine/rules/service';
import type { IptablesBackend } from '../../electron/firewall/iptables';
import { execFileRunner, type Runner } from '../../electron/firewall/runner';
import { selectFirewall } from '../../electron/firewall/select';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo } from '../../electron/store/queries/rules';
import { missing } from '../helpers/requires';
import { createLab, waitFor, type Lab } from './support/lab';

const skip = missing(['root', 'netns']);
const noResolver = { resolve: async () => [] };

/** Runs commands in `ns` with PATH limited to `dir`, so programs not linked there are "not installed". */
function pathRunner(ns: string, dir: string): Runner {
  return (cmd, argv) => execFileRunner('ip', ['netns', 'exec', ns, 'env', `PATH=${dir}`, cmd, ...argv]);
}

function binDir(programs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'outflow-bin-'));
  for (const p of programs) symlinkSync(`/usr/sbin/${p}`, join(dir, p));
  return dir;
}

function openRepo(dir: string) {
  const db = new Database(join(dir, 'outflow.db'));
  migrate(db);
  return { db, repo: createRulesRepo(db) };
}

describe.skipIf(skip !== null)('iptables fallback when nft is not installed (client netns)', () => {
  let lab: Lab;
  let dir: string;
  let bin: string;
  let db: Database.Database;
  let service: RulesService;
  let backend: IptablesBackend;
  const reasons: string[] = [];

  beforeAll(async () => {
    lab = await createLab('ipt', 62, 63);
    dir = mkdtempSync(join(tmpdir(), 'outflow-ipt-'));
    bin = binDir(['iptables-restore', 'iptables-save', 'ip6tables-restore', 'ip6tables-save', 'iptables', 'ip6tables']);
    backend = (await selectFirewall({ runner: pathRunner(lab.client, bin), isRoot: true, log: (_l, m) => reasons.push(m) })) as IptablesBackend;
    const opened = openRepo(dir);
    db = opened.db;
    service = createRulesService({ repo: opened.repo, backend, resolver: noResolver, clock: systemClock, log: () => undefined, reconcileMs: 1000 });
    await service.start();
  });

  afterEach(async () => {
    for (const r of service?.list() ?? []) await service.remove(r.id);
  });

  afterAll(async () => {
    await service?.stop();
    db?.close();
    lab?.destroy();
    for (const d of [dir, bin]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('selects iptables and says why', () => {
    expect(backend.name).toBe('iptables');
    expect(reasons.join('\n')).toMatch(/iptables fallback \(nft list tables failed: .*nft.*No such file/);
    expect(service.status()).toMatchObject({ backend: 'iptables', state: 'enforcing' });
  });

  it('blocks one destination with a reset, IPv4 and IPv6, counts hits, and unblocks', async () => {
    const v4 = await service.add({ target: lab.a.peerV4 });
    const v6 = await service.add({ target: lab.b.peerV6, proto: 'tcp', port: '7002' });
    expect(v4.enforced && v6.enforced).toBe(true);
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: true });
    expect(await lab.probe('tcp', lab.b.peerV6, 7002)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: true });
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    await service.reconcileNow();
    expect(service.list().find((r) => r.id === v4.id)?.hits).toBe(1);
    const saved = lab.inClient('iptables-save', ['-t', 'filter']);
    expect(saved).toMatch(/-A OUTPUT -j OUTFLOW/);
    expect(saved).toMatch(new RegExp(`-A OUTFLOW -d ${lab.a.peerV4.replace(/\./g, '\\.')}/32 -p tcp .*outflow:${v4.id}.*tcp-reset`));
    await service.remove(v4.id);
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
  });

  it('drift in the OUTFLOW chain is repaired by reconcile; other OUTPUT rules are left alone', async () => {
    lab.inClient('iptables', ['-A', 'OUTPUT', '-d', '198.18.250.250/32', '-j', 'ACCEPT']);
    const rule = await service.add({ target: lab.a.peerV6 });
    lab.inClient('ip6tables', ['-F', 'OUTFLOW']);
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: true });
    const flushedAt = Date.now();
    await waitFor(() => (service.status().lastRepair?.at ?? 0) >= flushedAt, 3000, 'repair');
    expect(service.status().lastRepair?.problems.join(' ')).toMatch(/IPv6: chain OUTFLOW has 0 rules/);
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    await service.remove(rule.id);
    await service.stop(); // no periodic repair while we look
    await backend.clear();
    const saved = lab.inClient('iptables-save', ['-t', 'filter']);
    expect(saved).not.toContain('OUTFLOW');
    expect(saved).toContain('-A OUTPUT -d 198.18.250.250/32 -j ACCEPT');
    await service.start();
    expect(lab.inClient('iptables-save', ['-t', 'filter'])).toContain('-A OUTPUT -j OUTFLOW');
  });
});

describe.skipIf(skip !== null)('nothing to enforce with', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'outflow-noop-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('root but neither nft nor iptables → noop; rules are stored and shown as not enforced, with the reason', async () => {
    const empty = binDir([]);
    const lab = await createLab('nop', 64, 65);
    try {
      const backend = await selectFirewall({ runner: pathRunner(lab.client, empty), isRoot: true });
      expect(backend.name).toBe('noop');
      const { db, repo } = openRepo(dir);
      const service = createRulesService({ repo, backend, resolver: noResolver, clock: systemClock, log: () => undefined });
      await service.start();
      const rule = await service.add({ target: lab.a.peerV4 });
      expect(rule.enforced).toBe(false);
      expect(rule.enforcementNote).toMatch(/not enforced: nft list tables failed: .*; iptables-restore --version failed: /);
      expect(service.status()).toMatchObject({ backend: 'noop', state: 'not-enforcing', ruleCount: 0 });
      expect(service.status().reason).toMatch(/rules are saved but not enforced/);
      expect(service.match(null, lab.a.peerV4, 'tcp', 7001)).toBeNull();
      expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
      expect(repo.list()).toHaveLength(1);
      await service.stop();
      db.close();
    } finally {
      lab.destroy();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a runner that fails with ENOENT for everything → noop naming each missing program', async () => {
    const enoent: Runner = (cmd, argv) => execFileRunner(`/nonexistent/${cmd}`, argv);
    const backend = await selectFirewall({ runner: enoent, isRoot: true });
    expect(backend.name).toBe('noop');
    const applied = await backend.apply({ version: 1, defaultDeny: false, rules: [] });
    expect(applied.status.state).toBe('not-enforcing');
    expect(applied.status.reason).toMatch(/nft is not installed; .*iptables-restore is not installed/);
  });

  it('not root and no helper → noop; not root with a helper but no pkexec → noop naming pkexec', async () => {
    const a = await selectFirewall({ isRoot: false, helperCommand: null });
    expect(a.name).toBe('noop');
    expect((await a.apply({ version: 1, defaultDeny: false, rules: [] })).status.reason).toMatch(/not running as root; the privileged helper \(outflow-helper\) is not installed/);
    const b = await selectFirewall({ isRoot: false, helperCommand: ['/nonexistent/pkexec', '/opt/Outflow/resources/linux/outflow-helper'] });
    expect((await b.apply({ version: 1, defaultDeny: false, rules: [] })).status.reason).toMatch(/\/nonexistent\/pkexec is not installed/);
  });

  it('not root with pkexec and the helper → the helper backend', async () => {
    // `node --version` stands in for `pkexec --version` (pkexec itself needs polkitd and a session).
    const backend = await selectFirewall({ isRoot: false, helperCommand: [process.execPath, '/opt/Outflow/resources/linux/outflow-helper'] });
    expect(backend.name).toBe('nftables');
    expect(typeof backend.apply).toBe('function');
    expect(backend).not.toHaveProperty('reason');
  });
});
