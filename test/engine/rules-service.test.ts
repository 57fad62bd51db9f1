// Rules service logic that does not need a kernel: temporary rules under wall-clock jumps and restarts,
// until-restart rules, import/export, duplicates. Real SQLite on disk, the real noop backend (which is
// what runs where nothing can be enforced), and an injected clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../electron/engine/ports';
import { createRulesService, type RulesService } from '../../electron/engine/rules/service';
import { createNoopBackend } from '../../electron/firewall/noop';
import { ruleToInput } from '../../electron/shared/rule-input';
import { createResolver } from '../../electron/net/resolver';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo, type RulesRepo } from '../../electron/store/queries/rules';
import { startDnsServer } from '../helpers/dns-server';

class TestClock implements Clock {
  wall = Date.UTC(2026, 10, 26, 12, 0, 0);
  mono = 1000;
  now = (): number => this.wall;
  monotonic = (): number => this.mono;
  /** Time passes: both clocks move. */
  pass(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** Someone sets the wall clock. */
  jump(ms: number): void {
    this.wall += ms;
  }
}

describe('rules service: time, restarts and bookkeeping', () => {
  let dir: string;
  let db: Database.Database;
  let repo: RulesRepo;
  let clock: TestClock;
  let services: RulesService[] = [];
  const logs: string[] = [];

  const make = (): RulesService => {
    const s = createRulesService({
      repo,
      backend: createNoopBackend('test machine', () => clock.now()),
      resolver: { resolve: async () => [] },
      clock,
      log: (_l, m) => logs.push(m),
    });
    services.push(s);
    return s;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outflow-svc-'));
    db = new Database(join(dir, 'outflow.db'));
    migrate(db);
    repo = createRulesRepo(db);
    clock = new TestClock();
    logs.length = 0;
  });
  afterEach(async () => {
    for (const s of services) await s.stop();
    services = [];
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a temporary rule lasts exactly its length while running, whatever the wall clock does', async () => {
    const s = make();
    await s.start();
    const r = await s.add({ target: '198.18.0.1', forMs: 60_000 });
    expect(r.expiresAt).toBe(clock.wall + 60_000);

    clock.pass(10_000);
    clock.jump(3_600_000); // NTP step forward by an hour
    await s.reconcileNow();
    expect(s.list().map((x) => x.id)).toEqual([r.id]);
    // Re-anchored: 50 s left, by the new wall clock, also in the database for a later restart.
    expect(s.list()[0]?.expiresAt).toBe(clock.wall + 50_000);
    expect(repo.get(r.id)?.expiresAt).toBe(clock.wall + 50_000);
    expect(logs.join('\n')).toMatch(/wall clock jumped by 3600 s/);

    clock.pass(20_000);
    clock.jump(-7_200_000); // and back by two hours
    await s.reconcileNow();
    expect(s.list()).toHaveLength(1);
    expect(repo.get(r.id)?.expiresAt).toBe(clock.wall + 30_000);

    clock.pass(29_000);
    await s.reconcileNow();
    expect(s.list()).toHaveLength(1);
    clock.pass(1_001);
    await s.reconcileNow();
    expect(s.list()).toHaveLength(0);
    expect(repo.list()).toHaveLength(0);
  });

  it('across a restart the stored deadline holds; a backwards jump while stopped cannot extend a rule past its length', async () => {
    const s = make();
    await s.start();
    const a = await s.add({ target: '198.18.0.1', forMs: 60_000 });
    const b = await s.add({ target: '198.18.0.2', forMs: 60_000 });
    await s.stop();

    // Reboot: the monotonic clock starts again; 20 s of wall time went by.
    clock.mono = 5;
    clock.wall += 20_000;
    const s2 = make();
    await s2.start();
    expect(s2.list().map((x) => x.id)).toEqual([a.id, b.id]);
    clock.pass(39_999);
    await s2.reconcileNow();
    expect(s2.list()).toHaveLength(2);
    clock.pass(2);
    await s2.reconcileNow();
    expect(s2.list()).toHaveLength(0);

    // Same again, but the wall clock went back an hour while stopped.
    const c = await s2.add({ target: '198.18.0.3', forMs: 60_000 });
    await s2.stop();
    clock.mono = 7;
    clock.wall -= 3_600_000;
    const s3 = make();
    await s3.start();
    expect(s3.list().map((x) => x.id)).toEqual([c.id]);
    clock.pass(60_001);
    await s3.reconcileNow();
    expect(s3.list()).toHaveLength(0);
  });

  it('start lifts until-restart rules and drops rules that expired while stopped', async () => {
    const s = make();
    await s.start();
    await s.add({ target: '198.18.0.1', untilRestart: true });
    await s.add({ target: '198.18.0.2', forMs: 5000 });
    const keep = await s.add({ target: '198.18.0.3' });
    await s.stop();
    clock.wall += 10_000;
    clock.mono = 0;
    const s2 = make();
    await s2.start();
    expect(s2.list().map((r) => r.id)).toEqual([keep.id]);
    expect(logs.join('\n')).toMatch(/lifted 1 until-restart rule/);
    expect(logs.join('\n')).toMatch(/1 temporary rule\(s\) expired/);
  });

  it('on a machine that cannot enforce, rules are stored and say they are not enforced', async () => {
    const changes: number[] = [];
    const s = make();
    s.onChange((rules) => changes.push(rules.length));
    await s.start();
    const r = await s.add({ target: 'Example.ORG', port: '443', proto: 'tcp', note: 'n' });
    expect(r).toMatchObject({ target: 'example.org', kind: 'host', portLo: 443, portHi: 443, enforced: false, hits: null, resolved: [] });
    expect(r.enforcementNote).toMatch(/no known addresses/);
    const s2 = await s.add({ target: '198.18.0.9' });
    expect(s2.enforcementNote).toMatch(/rules are saved but not enforced: test machine/);
    expect(s.status()).toMatchObject({ backend: 'noop', state: 'not-enforcing', ruleCount: 0 });
    expect(changes.at(-1)).toBe(2);
  });

  it('adding the same permanent rule twice returns the existing one', async () => {
    const s = make();
    await s.start();
    const a = await s.add({ target: '198.18.0.1', proto: 'tcp', port: '443' });
    const b = await s.add({ target: '198.18.0.1', proto: 'tcp', port: '443-443' });
    expect(b.id).toBe(a.id);
    expect(s.list()).toHaveLength(1);
  });

  it('import is all-or-nothing with the failing index in the message; export → import round-trips', async () => {
    const s = make();
    await s.start();
    await s.add({ target: '198.18.0.1' });
    await expect(
      s.importRules({ rules: [{ target: '198.18.0.2' }, { target: '198.18.0.3', port: '90-80' }] as never, replace: true }),
    ).rejects.toMatchObject({ code: 'invalid', message: 'rules.import: rules.1.port: port range "90-80" is written backwards; write 80-90' });
    expect(s.list().map((r) => r.target)).toEqual(['198.18.0.1']);

    await s.add({ target: 'any', force: true, action: 'block', proto: 'udp', forMs: 120_000, note: 'all udp' });
    await s.add({ target: '2001:db8::/32', appPath: '/usr/bin/curl', proto: 'tcp', port: '8000-8080', action: 'allow' });
    const exported = s.exportRules();
    expect(exported.version).toBe(1);
    const inputs = exported.rules.map((r) => ruleToInput(r, clock.now())).filter((x) => x !== null);
    const result = await s.importRules({ rules: inputs as never, replace: true });
    expect(result).toMatchObject({ added: 3, removed: 3 });
    const strip = (r: { target: string; kind: string; proto: unknown; portLo: unknown; portHi: unknown; appPath: unknown; action: unknown; note: string; expiresAt: unknown }) => [
      r.target,
      r.kind,
      r.proto,
      r.portLo,
      r.portHi,
      r.appPath,
      r.action,
      r.note,
      r.expiresAt,
    ];
    expect(result.rules.map(strip)).toEqual(exported.rules.map(strip));
  });

  it('hostname rules: resolved through DNS, re-resolved at half the TTL, dropped addresses lapse at their own deadline', async () => {
    const first = await startDnsServer({ address: '127.0.0.1', ttl: 120, records: { A: { 'moving.test': ['198.18.0.1'] }, AAAA: { 'moving.test': ['2001:db8::1'] } } });
    const second = await startDnsServer({ address: '127.0.0.1', ttl: 120, records: { A: { 'moving.test': ['198.18.0.2'] } } });
    const r1 = createResolver({ servers: [`127.0.0.1:${first.port}`] });
    const r2 = createResolver({ servers: [`127.0.0.1:${second.port}`] });
    let current = r1;
    try {
      const s = createRulesService({
        repo,
        backend: createNoopBackend('test machine', () => clock.now()),
        resolver: { resolve: (h) => current.resolve(h) },
        clock,
        log: () => undefined,
      });
      services.push(s);
      await s.start();
      const r = await s.add({ target: 'moving.test' });
      expect([...r.resolved].sort()).toEqual(['198.18.0.1', '2001:db8::1']);
      current = r2; // the name moves
      clock.pass(59_000);
      await s.reconcileNow();
      expect(first.queries).toBe(2);
      expect(second.queries).toBe(0);
      clock.pass(2_000); // half the TTL has passed: asked again
      await s.reconcileNow();
      expect(second.queries).toBe(2);
      expect([...s.list()[0]!.resolved].sort()).toEqual(['198.18.0.1', '198.18.0.2', '2001:db8::1']);
      clock.pass(120_000); // TTL + grace after the first answer: the old addresses lapse
      await s.reconcileNow();
      expect(s.list()[0]!.resolved).toEqual(['198.18.0.2']);
    } finally {
      r1.close();
      r2.close();
      await first.close();
      await second.close();
    }
  });

  it('remove and setEnabled report missing rules', async () => {
    const s = make();
    await s.start();
    expect(await s.remove(12345)).toBe(false);
    await expect(s.setEnabled(12345, false)).rejects.toMatchObject({ code: 'not-found' });
    const r = await s.add({ target: '198.18.0.1' });
    const off = await s.setEnabled(r.id, false);
    expect(off).toMatchObject({ enabled: false, enforced: false, enforcementNote: 'disabled' });
  });
});
