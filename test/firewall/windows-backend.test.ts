// The Windows backend against a simulated `powershell.exe -Command <script>`. Windows cannot run
// here, so the OS edge is a fake that checks the exact argv, decodes the stdin document, applies
// the script's documented semantics to an in-memory rule store, and prints the read-back the way
// Windows PowerShell 5.1 does (single-object and single-string quirks, \u0027 escapes, subnet masks).
// Its output for the desired state is pinned byte-for-byte to the recorded fixture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../electron/engine/ports';
import type { CommandRunner, RunResult } from '../../electron/firewall/pf-runner';
import { DesiredStateError } from '../../electron/firewall/pf-validate';
import { createWindowsBackend, WINDOWS_ALLOW_NOTE, WINDOWS_DEFAULT_DENY_NOTE, WINDOWS_HITS_NOTE } from '../../electron/firewall/windows';
import { DEFAULT_POWERSHELL, powershellArgv, type WindowsDocument } from '../../electron/firewall/windows-script';

const FIX = join(__dirname, '../fixtures/windows-firewall');
const fx = (name: string): string => readFileSync(join(FIX, name), 'utf8');
const desiredWithAllow = (): DesiredState => JSON.parse(fx('desired-state.json')) as DesiredState;
/** The fixture state without its allow rule (id 4), which Windows does not apply. */
const desired = (): DesiredState => {
  const s = desiredWithAllow();
  s.rules = s.rules.filter((r) => r.action === 'block');
  return s;
};

type PsRow = Record<string, unknown>;

const psJson = (v: unknown): string =>
  JSON.stringify(v).replace(/'/g, '\\u0027').replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
const winAddr = (a: string): string => {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(a);
  if (!m) return a;
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return `${m[1]}/${[24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.')}`;
};
const one = <T>(xs: T[]): T | T[] => (xs.length === 1 ? (xs[0] as T) : xs);

class FakeWindows {
  rows: PsRow[] = [];
  profilesOn = { Domain: true, Private: true, Public: true };
  calls: WindowsDocument[] = [];
  failWith: string | null = null;

  run: CommandRunner = async (cmd, argv, opts) => {
    expect(cmd).toBe(DEFAULT_POWERSHELL);
    expect([...argv]).toEqual(powershellArgv());
    const doc = JSON.parse(Buffer.from(opts?.input ?? '', 'base64').toString('utf8')) as WindowsDocument;
    this.calls.push(doc);
    if (this.failWith) return { stdout: '', stderr: this.failWith, code: 1 } satisfies RunResult;
    if (doc.mode !== 'read') {
      const want = new Set(doc.mode === 'apply' ? doc.rules.map((r) => r.name) : []);
      this.rows = this.rows.filter((r) => !doc.replace.includes(r.Name as string));
      const have = new Set(this.rows.map((r) => r.Name));
      if (doc.mode === 'apply') for (const r of doc.rules) if (!have.has(r.name)) this.rows.push(this.create(r));
      this.rows = this.rows.filter((r) => want.has(r.Name as string));
    }
    return { stdout: this.print(), stderr: '', code: 0 };
  };

  print(): string {
    const profiles = (['Domain', 'Private', 'Public'] as const).map((n) => ({ Name: n, Enabled: this.profilesOn[n] ? 'True' : 'False', DefaultOutboundAction: 'Allow' }));
    const rules = this.rows.length === 0 ? null : this.rows.length === 1 ? this.rows[0] : this.rows;
    return `${psJson({ profiles, rules })}\r\n`;
  }

  private create(r: WindowsDocument['rules'][number]): PsRow {
    return {
      Name: r.name,
      DisplayName: r.displayName,
      Group: 'Outflow',
      Enabled: 'True',
      Direction: 'Outbound',
      Action: r.action,
      RemoteAddress: r.remoteAddress === null ? 'Any' : one(r.remoteAddress.map(winAddr)),
      Protocol: r.protocol ?? 'Any',
      RemotePort: r.remotePort ?? 'Any',
      Program: r.program ?? 'Any',
    };
  }
}

let fake: FakeWindows;
beforeEach(() => {
  fake = new FakeWindows();
});
const backend = () => createWindowsBackend({ run: fake.run, now: () => 1_700_000_000_000 });
const names = () => fake.rows.map((r) => r.Name).sort();

describe('Windows backend: apply', () => {
  it('creates the group in one script run and reports what the ActiveStore enforces', async () => {
    const applied = await backend().apply(desired());
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ version: 1, mode: 'apply', replace: [] });
    expect(fake.calls[0]!.rules.map((r) => r.name)).toEqual([
      'Outflow-1-5e259c37c49f',
      'Outflow-2-c8423caeacc4',
      'Outflow-3-fd5532bf41e9',
      'Outflow-5-f02a2ae53a60',
      'Outflow-5-6b212f6d45a2',
    ]);
    expect(fake.print()).toBe(fx('readback.enforcing.json'));
    expect(applied.status).toEqual({
      backend: 'windows',
      state: 'enforcing',
      reason: null,
      ruleCount: 4,
      lastReconcileAt: 1_700_000_000_000,
      appScope: true,
      appScopeNote: null,
    });
    expect(applied.hits.size).toBe(0);
  });

  it('changing a rule creates its new Name and removes the old one in the same run', async () => {
    const b = backend();
    await b.apply(desired());
    fake.calls = [];
    const next = desired();
    next.rules[0]!.addresses = ['198.18.0.1', '198.18.1.0/24', '2001:db8::1', '198.18.9.9'];
    const applied = await b.apply(next);
    expect(fake.calls).toHaveLength(1);
    expect(names()).not.toContain('Outflow-1-5e259c37c49f');
    expect(names().filter((n) => String(n).startsWith('Outflow-1-'))).toHaveLength(1);
    expect(applied.status.state).toBe('enforcing');
  });

  it('a single remaining rule (object, not array) still reads back as enforcing', async () => {
    const s = desired();
    s.rules = [s.rules[1]!];
    const applied = await backend().apply(s);
    expect(fake.print()).toBe(fx('readback.single.json'));
    expect(applied.status).toMatchObject({ state: 'enforcing', ruleCount: 1 });
  });

  it('refuses a hostile path before PowerShell runs', async () => {
    const s = desired();
    s.rules[1]!.appPath = "C:\\x.exe\n'; Remove-NetFirewallRule -All; '";
    await expect(backend().apply(s)).rejects.toBeInstanceOf(DesiredStateError);
    expect(fake.calls).toEqual([]);
  });

  it('a path with quotes, ; and $() that Windows allows is passed through the document untouched', async () => {
    const s = desired();
    const p = "C:\\Users\\o'brien\\$(whoami);x\\app.exe";
    s.rules[1]!.appPath = p;
    const applied = await backend().apply(s);
    expect(fake.calls[0]!.rules[1]!.program).toBe(p);
    expect(fake.rows.find((r) => String(r.Name).startsWith('Outflow-2-'))?.Program).toBe(p);
    expect(applied.status.state).toBe('enforcing');
  });

  it('an elevation failure is reported as not enforcing with PowerShell’s message', async () => {
    fake.failWith = fx('error.access-denied.stderr.txt');
    const applied = await backend().apply(desired());
    expect(applied.status).toMatchObject({ state: 'not-enforcing', ruleCount: 0 });
    expect(applied.status.reason).toContain('Access is denied.');
  });

  it('a runner that rejects (no PowerShell) gives "not enforcing", not an exception', async () => {
    const b = createWindowsBackend({ run: async () => Promise.reject(new Error('spawn ENOENT')) });
    const applied = await b.apply(desired());
    expect(applied.status).toMatchObject({ state: 'not-enforcing', ruleCount: 0 });
    expect(applied.status.reason).toContain('spawn ENOENT');
  });

  it('default-deny is not applied, and the status says so', async () => {
    const s = desired();
    s.defaultDeny = true;
    const applied = await backend().apply(s);
    expect(applied.status).toMatchObject({ state: 'degraded', reason: WINDOWS_DEFAULT_DENY_NOTE, ruleCount: 4 });
  });

  it('allow rules are not created, and the status says which and why', async () => {
    const applied = await backend().apply(desiredWithAllow());
    expect(fake.calls[0]!.rules.every((r) => r.action === 'Block')).toBe(true);
    expect(fake.rows.some((r) => String(r.Name).startsWith('Outflow-4-'))).toBe(false);
    expect(fake.print()).toBe(fx('readback.enforcing.json'));
    expect(applied.status).toMatchObject({ state: 'degraded', reason: `${WINDOWS_ALLOW_NOTE} (rule 4)`, ruleCount: 4 });
  });
});

describe('Windows backend: reconcile', () => {
  beforeEach(() => {
    // Start from the recorded drift read-back: rule 2 missing, rule 1 edited in place, rule 9 stale.
    const recorded = JSON.parse(fx('readback.drift.json')) as { rules: PsRow[] };
    fake.rows = recorded.rules;
  });

  it('detects missing, changed and extra rules without touching anything', async () => {
    const seen = await backend().reconcile(desired(), false);
    expect(fake.calls.map((c) => c.mode)).toEqual(['read']);
    expect(seen.status.state).toBe('degraded');
    expect(seen.status.reason).toBe(
      '1 rule(s) missing: Outflow-2-c8423caeacc4; 1 rule(s) changed outside Outflow: Outflow-1-5e259c37c49f (RemoteAddress); 1 unexpected rule(s) in group Outflow: Outflow-9-' +
        String(fake.rows.find((r) => String(r.Name).startsWith('Outflow-9-'))!.Name).slice('Outflow-9-'.length),
    );
    expect(seen.status.ruleCount).toBe(2);
  });

  it('repairs in one apply run: the edited rule is replaced, the missing created, the stale removed', async () => {
    const fixed = await backend().reconcile(desired(), true);
    expect(fake.calls.map((c) => [c.mode, c.replace])).toEqual([
      ['read', []],
      ['apply', ['Outflow-1-5e259c37c49f']],
    ]);
    expect(names()).toEqual(['Outflow-1-5e259c37c49f', 'Outflow-2-c8423caeacc4', 'Outflow-3-fd5532bf41e9', 'Outflow-5-6b212f6d45a2', 'Outflow-5-f02a2ae53a60']);
    expect(fake.rows.find((r) => r.Name === 'Outflow-1-5e259c37c49f')?.RemoteAddress).toEqual(['198.18.0.1', '198.18.1.0/255.255.255.0', '2001:db8::1']);
    expect(fixed.status).toMatchObject({ state: 'enforcing', ruleCount: 4, reason: null });
  });

  it('a profile with the firewall off degrades; all off is not enforcing', async () => {
    const b = backend();
    await b.apply(desired());
    fake.profilesOn.Public = false;
    expect((await b.reconcile(desired(), false)).status).toMatchObject({
      state: 'degraded',
      reason: 'Windows Firewall is off for the Public profile(s); rules apply only where it is on',
    });
    fake.profilesOn = { Domain: false, Private: false, Public: false };
    expect((await b.reconcile(desired(), false)).status).toMatchObject({ state: 'not-enforcing', reason: 'Windows Firewall is turned off for every profile' });
  });
});

describe('Windows backend: clear, app scope, hits', () => {
  it('clear removes only group Outflow and checks it is gone', async () => {
    const b = backend();
    await b.apply(desired());
    fake.calls = [];
    await b.clear();
    expect(fake.calls).toEqual([{ version: 1, mode: 'clear', rules: [], replace: [] }]);
    expect(fake.rows).toEqual([]);
    expect(fake.print()).toBe(fx('readback.empty.json'));
  });

  it('clear fails loudly when rules survive (e.g. pushed by policy)', async () => {
    const stubborn: CommandRunner = async () => ({ stdout: fx('readback.single.json'), stderr: '', code: 0 });
    await expect(createWindowsBackend({ run: stubborn }).clear()).rejects.toThrow(/1 rule\(s\) of group Outflow are still active/);
  });

  it('scopes by program for valid paths and explains when it cannot', async () => {
    const b = backend();
    expect(await b.appScope('C:\\Program Files\\Mozilla Firefox\\firefox.exe', [4242])).toEqual({ enforceable: true, cgroup: null, note: null });
    const bad = await b.appScope('C:\\%TEMP%\\x.exe', []);
    expect(bad.enforceable).toBe(false);
    expect(bad.note).toMatch(/%/);
  });

  it('has no hit counters and says why', () => {
    expect(backend().hitsNote).toBe(WINDOWS_HITS_NOTE);
    expect(WINDOWS_HITS_NOTE).toMatch(/no per-rule counters/);
  });
});
