// Per-app rules through cgroup v2: an app running in a cgroup of its own is blocked, another app is
// not. nft resolves `socket cgroupv2` paths under /sys/fs/cgroup only, so on a host with a hybrid
// hierarchy the nft runner runs in a private mount namespace with cgroup v2 mounted there (the host's
// mounts are untouched); iptables' xt_cgroup resolves paths in the kernel and needs no such help.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../electron/engine/ports';
import { createRulesService, type RulesService } from '../../electron/engine/rules/service';
import { createCgroupScope, findCgroup2Mount } from '../../electron/firewall/app-scope';
import { createIptablesBackend } from '../../electron/firewall/iptables';
import { createNftablesBackend } from '../../electron/firewall/nftables';
import { execFileRunner, type Runner } from '../../electron/firewall/runner';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo } from '../../electron/store/queries/rules';
import { namedNode } from '../helpers/named-exe';
import { inCI, missing } from '../helpers/requires';
import { createLab, PROBE, startProber, type Lab, type Prober } from './support/lab';

const v2Mount = ((): string | null => {
  try {
    return findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return null;
  }
})();
const skip =
  missing(['root', 'netns', 'nft']) ??
  (v2Mount
    ? null
    : ((): string => {
        if (inCI) throw new Error('required under CI but missing: cgroup v2 is not mounted');
        console.warn('[skip] needs cgroup v2 mounted (any mount point)');
        return 'needs cgroup v2';
      })());
const noResolver = { resolve: async () => [] };

describe.skipIf(skip !== null)('per-app scope via cgroup v2', () => {
  let lab: Lab;
  let v2: string;
  let mntDir: string;
  let cgroupDir: string;
  let relApp: string;
  const exes: Array<{ path: string; dispose(): void }> = [];
  let app: Prober;
  let other: Prober;
  let appExe: string;
  let otherExe: string;
  let nsRunner: Runner;
  let dbDir: string;

  beforeAll(async () => {
    lab = await createLab('cg', 66, 67);
    v2 = v2Mount!;
    // A persistent private mount namespace with cgroup v2 at /sys/fs/cgroup, for nft only.
    mntDir = mkdtempSync('/run/outflow-mnt-');
    execFileSync('mount', ['--bind', mntDir, mntDir]);
    execFileSync('mount', ['--make-private', mntDir]);
    writeFileSync(join(mntDir, 'mnt'), '');
    execFileSync('unshare', [`--mount=${join(mntDir, 'mnt')}`, '--propagation', 'private', 'true']);
    execFileSync('nsenter', [`--mount=${join(mntDir, 'mnt')}`, 'mount', '-t', 'cgroup2', 'none', '/sys/fs/cgroup']);
    nsRunner = (cmd, argv) => execFileRunner('nsenter', [`--mount=${join(mntDir, 'mnt')}`, `--net=/run/netns/${lab.client}`, cmd, ...argv]);

    relApp = `outflow-test-${process.pid}/app`;
    cgroupDir = join(v2, `outflow-test-${process.pid}`);
    mkdirSync(join(cgroupDir, 'app'), { recursive: true });
    const a = namedNode('outflow-scoped-app');
    const o = namedNode('outflow-other-app');
    exes.push(a, o);
    appExe = a.path;
    otherExe = o.path;
    app = await startProber(['ip', 'netns', 'exec', lab.client, appExe, PROBE]);
    // `ip netns exec` gives the process a fresh /sys, so it is moved into its cgroup from here, before
    // it creates any socket (a socket belongs to the cgroup it was created in).
    writeFileSync(join(cgroupDir, 'app', 'cgroup.procs'), String(app.pid));
    other = await startProber(['ip', 'netns', 'exec', lab.client, otherExe, PROBE]);
    dbDir = mkdtempSync('/tmp/outflow-cg-');
  });

  afterAll(async () => {
    app?.close();
    other?.close();
    await new Promise((r) => setTimeout(r, 200));
    for (const d of [join(cgroupDir ?? '/nonexistent', 'app'), cgroupDir]) {
      try {
        if (d) rmdirSync(d);
      } catch {
        /* not created */
      }
    }
    if (mntDir) {
      for (const target of [join(mntDir, 'mnt'), mntDir]) {
        try {
          execFileSync('umount', [target]);
        } catch {
          /* not mounted */
        }
      }
      rmSync(mntDir, { recursive: true, force: true });
    }
    for (const e of exes) e.dispose();
    lab?.destroy();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  const pidsOf = (path: string): number[] => (path === appExe ? [app.pid] : path === otherExe ? [other.pid] : []);

  function makeService(backend: Parameters<typeof createRulesService>[0]['backend'], name: string): RulesService {
    const db = new Database(join(dbDir, `${name}.db`));
    migrate(db);
    return createRulesService({ repo: createRulesRepo(db), backend, resolver: noResolver, clock: systemClock, log: () => undefined, appScope: pidsOf });
  }

  it('on this host, without help, nft can match cgroups only if cgroup v2 is mounted at /sys/fs/cgroup', async () => {
    const cap = await createCgroupScope().capability();
    if (v2 === '/sys/fs/cgroup') expect(cap).toEqual({ ok: true, note: null });
    else {
      expect(cap.ok).toBe(false);
      expect(cap.note).toMatch(/hybrid hierarchy.*app rules apply to all apps/);
    }
  });

  describe('nftables', () => {
    let service: RulesService;
    beforeAll(async () => {
      const backend = createNftablesBackend({ runner: nsRunner, cgroups: createCgroupScope({ cgroupMount: v2 }) });
      service = makeService(backend, 'nft');
      await service.start();
    });
    afterEach(async () => {
      for (const r of service.list()) await service.remove(r.id);
    });
    afterAll(async () => {
      await service?.stop();
      execFileSync('ip', ['netns', 'exec', lab.client, 'nft', 'delete', 'table', 'inet', 'outflow']);
    });

    it('blocks only the app in its own cgroup; another app still connects', async () => {
      const rule = await service.add({ target: lab.a.peerV4, appPath: appExe });
      expect(rule).toMatchObject({ appScopeEnforced: true, enforced: true, enforcementNote: null });
      // Listed where cgroup v2 is at /sys/fs/cgroup, nft prints the path back (elsewhere only the id).
      expect((await nsRunner('nft', ['list', 'table', 'inet', 'outflow'])).stdout).toContain(`socket cgroupv2 level 2 "${relApp}"`);
      expect(await app.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
      expect(await other.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: true });
      expect(await app.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
      expect(service.match(appExe, lab.a.peerV4, 'tcp', 7001)).toBe(rule.id);
      expect(service.match(otherExe, lab.a.peerV4, 'tcp', 7001)).toBeNull();
    });

    it('an app-scoped allow beats a global block for that app only', async () => {
      const block = await service.add({ target: lab.b.peerV6 });
      const allow = await service.add({ target: lab.b.peerV6, appPath: appExe, action: 'allow' });
      expect(allow.enforced).toBe(true);
      expect(await app.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: true });
      expect(await other.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
      expect(service.match(appExe, lab.b.peerV6, 'tcp', 7001)).toBeNull();
      expect(service.match(otherExe, lab.b.peerV6, 'tcp', 7001)).toBe(block.id);
    });

    it('an app without a cgroup of its own: a block applies to all apps (and says so); an allow is not applied', async () => {
      const block = await service.add({ target: lab.a.peerV6, appPath: otherExe });
      expect(block.appScopeEnforced).toBe(false);
      expect(block.enforced).toBe(true);
      expect(block.enforcementNote).toMatch(/applies to all apps: the app runs in the root cgroup/);
      expect(await other.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false });
      expect(await app.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false });
      const allow = await service.add({ target: lab.a.peerV6, appPath: otherExe, action: 'allow', port: '7001' });
      expect(allow.enforced).toBe(false);
      expect(allow.enforcementNote).toMatch(/not applied: this app cannot be told apart/);
      expect(await other.probe('tcp', lab.a.peerV6, 7001)).toMatchObject({ ok: false });
    });
  });

  it('iptables: -m cgroup --path scopes a rule to the app (no mount help needed)', async () => {
    const backend = createIptablesBackend({ runner: lab.runner, cgroups: createCgroupScope({ cgroupMount: v2, requireUnifiedAtSysFsCgroup: false }) });
    const service = makeService(backend, 'ipt');
    await service.start();
    try {
      const rule = await service.add({ target: lab.b.peerV4, appPath: appExe, proto: 'tcp' });
      expect(rule).toMatchObject({ appScopeEnforced: true, enforced: true });
      expect(lab.inClient('iptables-save', ['-t', 'filter'])).toContain(`-m cgroup --path "/${relApp}"`);
      expect(await app.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
      expect(await other.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    } finally {
      for (const r of service.list()) await service.remove(r.id);
      await service.stop();
      await backend.clear();
    }
  });

  it('refuses a cgroup shared with another executable', async () => {
    const scope = createCgroupScope({ cgroupMount: v2 });
    expect(await scope.scopeFor(appExe, [app.pid])).toEqual({ enforceable: true, cgroup: relApp, note: null });
    // A third process (another executable) joins the app's cgroup: no longer the app's own.
    const intruder = await startProber(['ip', 'netns', 'exec', lab.client, otherExe, PROBE]);
    try {
      writeFileSync(join(cgroupDir, 'app', 'cgroup.procs'), String(intruder.pid));
      const answer = await scope.scopeFor(appExe, [app.pid]);
      expect(answer.enforceable).toBe(false);
      expect(answer.note).toMatch(new RegExp(`shares its cgroup /${relApp} with ${otherExe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      intruder.close();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await scope.scopeFor(appExe, [])).toMatchObject({ enforceable: false, note: expect.stringMatching(/not running/) });
    expect(await scope.scopeFor('/usr/bin/not-this', [app.pid])).toMatchObject({ enforceable: false });
  });
});
