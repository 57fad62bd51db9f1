// The rules service + nftables backend blocking real connections inside a client network namespace.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRulesService, type RulesService } from '../../electron/engine/rules/service';
import { systemClock } from '../../electron/engine/ports';
import { createNftablesBackend, type NftablesBackend } from '../../electron/firewall/nftables';
import type { Runner } from '../../electron/firewall/runner';
import { createResolver } from '../../electron/net/resolver';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo } from '../../electron/store/queries/rules';
import { startDnsServer, type DnsServer } from '../helpers/dns-server';
import { missing } from '../helpers/requires';
import { createLab, waitFor, type Lab } from './support/lab';

const skip = missing(['root', 'netns', 'nft']);
const RECONCILE_MS = 1500;

describe.skipIf(skip !== null)('nftables backend through the rules service (client netns)', () => {
  let lab: Lab;
  let dir: string;
  let db: Database.Database;
  let dns: DnsServer;
  let service: RulesService;
  let backend: NftablesBackend;
  let commands: string[][] = [];
  const resolver = { current: null as ReturnType<typeof createResolver> | null };

  beforeAll(async () => {
    lab = await createLab('nfs', 60, 61);
    dir = mkdtempSync(join(tmpdir(), 'outflow-nft-'));
    db = new Database(join(dir, 'outflow.db'));
    db.pragma('journal_mode = WAL');
    migrate(db);
    dns = await startDnsServer({
      address: '127.0.0.1',
      ttl: 300,
      records: { A: { 'blocked.test': [lab.a.peerV4] }, AAAA: { 'blocked.test': [lab.a.peerV6] } },
    });
    resolver.current = createResolver({ servers: [`127.0.0.1:${dns.port}`] });
    // Every command the backend runs is recorded (argv), so tests can show nothing ran.
    const counting: Runner = async (cmd, argv) => {
      commands.push([cmd, ...argv]);
      return lab.runner(cmd, argv);
    };
    backend = createNftablesBackend({ runner: counting });
    service = createRulesService({
      repo: createRulesRepo(db),
      backend,
      resolver: resolver.current,
      clock: systemClock,
      log: () => undefined,
      reconcileMs: RECONCILE_MS,
    });
    await service.start();
  });

  // A failed test must not leave rules behind for the next one.
  afterEach(async () => {
    for (const r of service?.list() ?? []) await service.remove(r.id);
  });

  afterAll(async () => {
    await service?.stop();
    resolver.current?.close();
    await dns?.close();
    db?.close();
    lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('before any rule, both destinations connect over IPv4 and IPv6', async () => {
    for (const host of [lab.a.peerV4, lab.a.peerV6, lab.b.peerV4, lab.b.peerV6]) {
      expect(await lab.probe('tcp', host, 7001), host).toMatchObject({ ok: true });
    }
    expect(service.status()).toMatchObject({ backend: 'nftables', state: 'enforcing', ruleCount: 0 });
  });

  it('blocking one destination refuses it fast (TCP reset) while the other still connects; unblock restores', async () => {
    const rule = await service.add({ target: lab.a.peerV4, note: 'test' });
    expect(rule).toMatchObject({ kind: 'ip', target: lab.a.peerV4, enforced: true, enforcementNote: null });
    expect(service.status()).toMatchObject({ state: 'enforcing', ruleCount: 1 });

    const refused = await lab.probe('tcp', lab.a.peerV4, 7001);
    expect(refused.ok).toBe(false);
    expect(refused.code).toBe('ECONNREFUSED');
    expect(refused.ms).toBeLessThan(200);
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: true });
    expect(service.match('/usr/bin/anything', lab.a.peerV4, 'tcp', 7001)).toBe(rule.id);
    expect(service.match('/usr/bin/anything', `::ffff:${lab.a.peerV4}`, 'udp', 53)).toBe(rule.id);
    expect(service.match('/usr/bin/anything', lab.b.peerV4, 'tcp', 7001)).toBeNull();

    expect(await service.remove(rule.id)).toBe(true);
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
    expect(service.match(null, lab.a.peerV4, 'tcp', 7001)).toBeNull();
  });

  it('counts blocked attempts per rule (named counters), kept across re-renders', async () => {
    const rule = await service.add({ target: lab.b.peerV6 });
    for (let i = 0; i < 3; i++) expect(await lab.probe('tcp', lab.b.peerV6, 7002)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    await service.reconcileNow();
    expect(service.list().find((r) => r.id === rule.id)?.hits).toBe(3);
    // Another change re-renders the whole table; the counter value is carried over.
    const other = await service.add({ target: lab.a.peerV6 });
    expect(await lab.probe('tcp', lab.b.peerV6, 7002)).toMatchObject({ ok: false });
    await service.reconcileNow();
    expect(service.list().find((r) => r.id === rule.id)?.hits).toBe(4);
    expect(await lab.probe('tcp', lab.b.peerV4, 7002)).toMatchObject({ ok: true });
    await service.remove(rule.id);
    await service.remove(other.id);
  });

  it('a port-scoped rule blocks only that port (and a UDP rule only UDP)', async () => {
    const tcp = await service.add({ target: lab.a.peerV4, proto: 'tcp', port: '7002' });
    expect(await lab.probe('tcp', lab.a.peerV4, 7002)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
    expect(await lab.probe('udp', lab.a.peerV4, 7003)).toMatchObject({ ok: true });
    const udp = await service.add({ target: lab.b.peerV6, proto: 'udp', port: '7000-7005' });
    const u = await lab.probe('udp', lab.b.peerV6, 7003);
    expect(u.ok).toBe(false);
    expect(await lab.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: true });
    await service.remove(tcp.id);
    await service.remove(udp.id);
    expect(await lab.probe('tcp', lab.a.peerV4, 7002)).toMatchObject({ ok: true });
    expect(await lab.probe('udp', lab.b.peerV6, 7003)).toMatchObject({ ok: true });
  });

  it('an allow rule punches a hole through a wider Outflow block (more specific wins)', async () => {
    const net = await service.add({ target: `${lab.a.peerV4.replace(/\.\d+$/, '.0')}/24` });
    const hole = await service.add({ target: lab.a.peerV4, proto: 'tcp', port: '7001', action: 'allow' });
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
    expect(await lab.probe('tcp', lab.a.peerV4, 7002)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(service.match(null, lab.a.peerV4, 'tcp', 7001)).toBeNull();
    expect(service.match(null, lab.a.peerV4, 'tcp', 7002)).toBe(net.id);
    await service.remove(net.id);
    await service.remove(hole.id);
  });

  it('a temporary rule (forMs 2000) carries a kernel timeout and lifts itself', async () => {
    const rule = await service.add({ target: lab.b.peerV4, forMs: 2000 });
    expect(rule.expiresAt).toBeGreaterThan(Date.now() + 1000);
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: false });
    expect(lab.nftRuleset()).toMatch(new RegExp(`${lab.b.peerV4.replace(/\./g, '\\.')} timeout \\d`));
    const t0 = Date.now();
    await waitFor(async () => (await lab.probe('tcp', lab.b.peerV4, 7001, 300)).ok, 8000, 'the temporary rule to lift');
    const liftedAt = Date.now();
    expect(liftedAt).toBeGreaterThanOrEqual(rule.expiresAt! - 50);
    expect(liftedAt - t0).toBeLessThan(4500);
    await waitFor(() => !service.list().some((r) => r.id === rule.id), 4000, 'the service to drop the rule');
  });

  it('the kernel lifts a temporary rule on time even without Outflow running', async () => {
    await service.stop(); // Outflow is not running from here on
    const own = createNftablesBackend({ runner: lab.runner });
    const deadline = Date.now() + 3000;
    await own.apply({
      version: 1,
      defaultDeny: false,
      rules: [
        { id: 9001, action: 'block', addresses: [lab.b.peerV6], any: false, proto: null, portLo: null, portHi: null, appPath: null, cgroup: null, expiresAt: deadline } as never,
      ],
    });
    // Only the kernel's element timeout can lift it now.
    expect(await lab.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: false });
    await waitFor(async () => (await lab.probe('tcp', lab.b.peerV6, 7001, 300)).ok, 8000, 'the kernel to lift the element');
    const liftedAt = Date.now();
    expect(liftedAt).toBeGreaterThanOrEqual(deadline - 50);
    expect(liftedAt).toBeLessThan(deadline + 2500);
    await service.start(); // puts the service's own table back
  });

  it('a hostname rule blocks its A and AAAA addresses, and no hostname reaches nft', async () => {
    commands = [];
    const rule = await service.add({ target: 'Blocked.TEST.' });
    expect(rule).toMatchObject({ kind: 'host', target: 'blocked.test', enforced: true });
    expect([...rule.resolved].sort()).toEqual([lab.a.peerV4, lab.a.peerV6].sort());
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    expect(commands.flat().join(' ')).not.toContain('blocked');
    expect(backend.lastScript()).not.toContain('blocked');
    // Addresses carry their TTL-based timeout (300 s TTL + grace) in the kernel.
    expect(lab.nftRuleset()).toMatch(/timeout (5m|6m)/);
    await service.remove(rule.id);
  });

  it('a hostname that does not resolve is stored, not shown as enforced, and the status says degraded', async () => {
    const ok = await service.add({ target: lab.b.peerV4 });
    const rule = await service.add({ target: 'nowhere.test' });
    expect(rule).toMatchObject({ kind: 'host', enforced: false, resolved: [] });
    expect(rule.enforcementNote).toMatch(/nowhere\.test has no known addresses yet/);
    expect(service.status()).toMatchObject({ state: 'degraded', ruleCount: 1 });
    expect(service.status().reason).toMatch(/hostname rule nowhere\.test is not enforced/);
    expect(service.list().find((r) => r.id === ok.id)?.enforced).toBe(true);
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: false });
  });

  it('drift: `nft flush ruleset` behind the service is repaired within one reconcile period', async () => {
    const rule = await service.add({ target: lab.a.peerV4 });
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false });
    lab.inClient('nft', ['flush', 'ruleset']);
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
    const flushedAt = Date.now();
    const repairedIn = await waitFor(
      () => (service.status().lastRepair?.at ?? 0) >= flushedAt && service.status().state === 'enforcing',
      RECONCILE_MS + 2000,
      'the reconcile to repair',
    );
    // The next periodic reconcile after the flush repairs it (allowing for the reconcile's own run time).
    expect(repairedIn).toBeLessThanOrEqual(RECONCILE_MS + 1500);
    expect(service.status().lastRepair).toMatchObject({ repaired: true });
    expect(service.status().lastRepair?.problems.join(' ')).toMatch(/missing/);
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    await service.remove(rule.id);
  });

  it('hostile input: one clear message, nothing applied, no process started, no marker file', async () => {
    const marker = '/tmp/x';
    const markerExisted = existsSync(marker);
    const before = lab.inClient('nft', ['list', 'table', 'inet', 'outflow']);
    const rulesBefore = service.list().length;
    commands = [];
    const hostile: Array<[Record<string, unknown>, RegExp]> = [
      [{ target: '$(touch /tmp/x)' }, /^rules\.add: target: .*character none of them use/],
      [{ target: '198.18.60.2; touch /tmp/x' }, /^rules\.add: target: /],
      [{ target: '`touch /tmp/x`.example' }, /^rules\.add: target: /],
      [{ target: 'a.example\n  flush ruleset' }, /^rules\.add: target: .*U\+000A/],
      [{ target: '198.18.60.2', port: '80; touch /tmp/x' }, /^rules\.add: port: /],
      [{ target: '198.18.60.2', appPath: 'sh -c "touch /tmp/x"' }, /^rules\.add: appPath: app path must be absolute/],
      [{ target: '198.18.60.2', note: 'ok\u0000$(touch /tmp/x)' }, /^rules\.add: note: .*U\+0000/],
      [{ target: '1.2.3.4/33' }, /^rules\.add: target: prefix length \/33 is too long/],
      [{ target: '::/129' }, /too long for IPv6/],
      [{ target: '1.2.3.4/' }, /missing the prefix length/],
      [{ target: '01.2.3.4' }, /leading zero/],
      [{ target: '198.18.60.2', port: '90-80' }, /backwards/],
      [{ target: '198.18.60.2', port: '65536' }, /outside 1-65535/],
      [{ target: 'fe80::1%eth0' }, /zone ids/],
      [{ target: `${'a'.repeat(64)}.example` }, /longer than 63/],
      [{ target: 'any' }, /force: true/],
      [{ target: '0.0.0.0/0' }, /force: true/],
    ];
    for (const [input, message] of hostile) {
      await expect(service.add(input), JSON.stringify(input)).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(message) });
    }
    expect(commands).toEqual([]);
    expect(service.list().length).toBe(rulesBefore);
    expect(lab.inClient('nft', ['list', 'table', 'inet', 'outflow'])).toBe(before);
    if (!markerExisted) expect(existsSync(marker)).toBe(false);
  });

  it('a note full of shell metacharacters is stored verbatim and never reaches a command or the ruleset', async () => {
    commands = [];
    const note = '$(touch /tmp/x) `id`; rm -rf / | cat > /etc/passwd & \'"\\';
    // An absolute path may legitimately hold spaces and quotes; it is data, never part of a command.
    const appPath = '/opt/My App/bin/run $(touch /tmp/x) "q"';
    const rule = await service.add({ target: lab.b.peerV4, note, appPath });
    expect(service.list().find((r) => r.id === rule.id)).toMatchObject({ note, appPath, appScopeEnforced: false });
    expect(commands.flat().join(' ')).not.toContain('touch');
    expect(backend.lastScript()).not.toContain('touch');
    expect(lab.nftRuleset()).not.toContain('touch');
    await service.remove(rule.id);
  });

  it('crash mid-apply: a render that fails at the end of the transaction leaves the previous table intact', async () => {
    const rule = await service.add({ target: lab.a.peerV6 });
    await service.stop(); // only the broken backend below touches the table

    const listing = (): string => lab.inClient('nft', ['list', 'table', 'inet', 'outflow']).replace(/ expires \S+?(?=[,\s}])/g, '');
    const before = listing();
    // Same runner, but the script gets a statement the kernel refuses at commit time, after the
    // delete and the re-declaration of the table.
    const broken = createNftablesBackend({
      runner: lab.runner,
      transformScript: (s) => `${s}add rule inet outflow output counter name "no_such_counter" drop\n`,
    });
    const state = {
      version: 1 as const,
      defaultDeny: false,
      rules: [{ id: 777, action: 'block' as const, addresses: [lab.b.peerV4], any: false, proto: null, portLo: null, portHi: null, appPath: null, cgroup: null }],
    };
    const result = await broken.apply(state);
    expect(result.status.state).not.toBe('enforcing');
    expect(result.status.reason).toMatch(/nft -f failed: .*previous ruleset is unchanged/);
    expect(result.hits.has(777)).toBe(false);
    expect(listing()).toBe(before);
    expect(await lab.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    // A failure the userspace side catches (a cgroup that does not exist) is refused the same way.
    const before2 = listing();
    const scoped = await broken.apply({ ...state, rules: [{ ...state.rules[0]!, appPath: '/usr/bin/x', cgroup: 'no/such/cgroup' }] });
    expect(scoped.status.reason).toMatch(/nft -f failed/);
    expect(listing()).toBe(before2);
    await service.start();
    await service.remove(rule.id);
  });

  it('never touches tables it does not own', async () => {
    lab.inClient('nft', ['add', 'table', 'inet', 'someone_else']);
    lab.inClient('nft', ['add', 'chain', 'inet', 'someone_else', 'c', '{ type filter hook output priority 10 ; }']);
    const rule = await service.add({ target: lab.b.peerV6 });
    await service.stop(); // no periodic repair while we look
    await backend.clear();
    expect(lab.nftRuleset()).toContain('table inet someone_else');
    expect(lab.nftRuleset()).not.toContain('table inet outflow');
    await service.start(); // applies again: the table comes back
    expect(lab.nftRuleset()).toContain('table inet outflow');
    lab.inClient('nft', ['delete', 'table', 'inet', 'someone_else']);
    await service.remove(rule.id);
  });
});
