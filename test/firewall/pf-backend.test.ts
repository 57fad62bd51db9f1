// The pf backend against a simulated pfctl. macOS cannot run here, so the OS edge is a fake that
// keeps pf's state (enabled/refs, main-ruleset hook, anchor rules with counters, tables), answers
// every argv the way pfctl prints (formats pinned by the recorded fixtures, which the parser tests
// read independently) and records every call. Rule files are real files on disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../electron/engine/ports';
import { createPfBackend, memoryTokenStore, PF_APP_SCOPE_NOTE } from '../../electron/firewall/pf';
import { PFCTL } from '../../electron/firewall/pf-commands';
import { parseAnchorRules } from '../../electron/firewall/pf-parse';
import { ruleKey } from '../../electron/firewall/pf-render';
import type { CommandRunner, RunResult } from '../../electron/firewall/pf-runner';
import { DesiredStateError } from '../../electron/firewall/pf-validate';

const FIX = join(__dirname, '../fixtures/pf');
const fx = (name: string): string => readFileSync(join(FIX, name), 'utf8');
const desired = (): DesiredState => JSON.parse(fx('desired-state.json')) as DesiredState;
const NT = ' ! tagged OUTFLOW_ALLOW';
const ALTQ = 'No ALTQ support in kernel\nALTQ related functions disabled\n';

interface Call {
  argv: string[];
  file?: { content: string; mode: number; dirMode: number; path: string };
}

class FakePf {
  enabled = false;
  hooked = true;
  anchorLoaded = false;
  refs = new Set<string>();
  rules: string[] = [];
  tables = new Map<string, string[]>();
  /** Blocked packets the kernel has counted per rule line (by line text). */
  packets = new Map<string, number>();
  calls: Call[] = [];
  failLoad: string | null = null;
  private nextToken = 18446743525445205000n;

  run: CommandRunner = async (cmd, argvIn) => {
    expect(cmd).toBe(PFCTL);
    const argv = [...argvIn];
    const call: Call = { argv };
    this.calls.push(call);
    const ok = (stdout = '', stderr = ''): RunResult => ({ stdout, stderr, code: 0 });
    const fail = (stderr: string): RunResult => ({ stdout: '', stderr, code: 1 });
    const key = argv.join(' ');
    if (argv.includes('-d')) throw new Error('pfctl -d must never be run');
    if (key === '-s info') return ok(fx(this.enabled ? 's-info.enabled.txt' : 's-info.disabled.txt'));
    if (key === '-sr') return ok(fx(this.hooked ? 'sr.main.hooked.txt' : 'sr.main.unhooked.txt'));
    if (key === '-E') {
      const token = String(this.nextToken++);
      this.refs.add(token);
      this.enabled = true;
      return ok('', `${ALTQ}pf enabled\nToken : ${token}\n`);
    }
    if (argv[0] === '-X') {
      if (!this.refs.delete(argv[1] as string)) return fail(`${ALTQ}pfctl: DIOCSTOPREF: Invalid argument\n`);
      if (this.refs.size === 0) this.enabled = false;
      return ok('', ALTQ);
    }
    if (key === '-f /etc/pf.conf') {
      this.hooked = true;
      return ok('', `pfctl: Use of -f option, could result in flushing of rules\npresent in the main ruleset added by the system at startup.\n`);
    }
    expect(argv.slice(0, 2)).toEqual(['-a', 'com.outflow']);
    const rest = argv.slice(2).join(' ');
    if (rest === '-sr -v') return this.anchorLoaded ? ok(this.printRules(), ALTQ) : fail(`${ALTQ}pfctl: DIOCGETRULES: Invalid argument\n`);
    if (rest === '-s Tables') return ok([...this.tables.keys()].sort().map((t) => `${t}\n`).join(''));
    if (rest === '-F rules') {
      this.rules = [];
      return ok('', `${ALTQ}rules cleared\n`);
    }
    if (rest === '-F Tables') {
      const n = this.tables.size;
      this.tables.clear();
      return ok('', `${ALTQ}${n} tables deleted.\n`);
    }
    if (argv[2] === '-f') {
      const content = this.capture(call, argv[3] as string);
      if (this.failLoad) return fail(this.failLoad);
      this.load(content);
      return ok('', ALTQ);
    }
    if (argv[2] === '-t') {
      const table = argv[3] as string;
      const op = argv.slice(4).join(' ');
      if (op === '-T show') return this.tables.has(table) ? ok(this.tables.get(table)!.map((a) => `   ${a}\n`).join('')) : fail('pfctl: Table does not exist.\n');
      if (op === '-T kill') {
        this.tables.delete(table);
        return ok('', '1 table deleted.\n');
      }
      if (argv[4] === '-T' && argv[5] === 'replace' && argv[6] === '-f') {
        const content = this.capture(call, argv[7] as string);
        this.tables.set(table, content.split('\n').filter(Boolean));
        return ok('', `${content.split('\n').filter(Boolean).length} addresses added.\n`);
      }
    }
    throw new Error(`unexpected pfctl ${key}`);
  };

  /** Simulates `pfctl -d` by someone else: pf off, every reference gone. */
  disableByOther(): void {
    this.enabled = false;
    this.refs.clear();
  }

  writes(): string[][] {
    return this.calls.map((c) => c.argv).filter((a) => !isRead(a));
  }

  private capture(call: Call, path: string): string {
    const content = readFileSync(path, 'utf8');
    call.file = { content, path, mode: statSync(path).mode & 0o777, dirMode: statSync(dirname(path)).mode & 0o777 };
    return content;
  }

  private load(text: string): void {
    this.anchorLoaded = true;
    this.rules = [];
    for (const line of text.split('\n')) {
      const t = /^table <([a-z0-9_]+)> persist \{ (.*) \}$/.exec(line);
      if (t) this.tables.set(t[1] as string, (t[2] as string).split(' '));
      else if (/^(block|pass) /.test(line)) this.rules.push(line);
    }
  }

  /** pfctl prints pass rules with their implicit `flags S/SA keep state`, then the counters. */
  private printRules(): string {
    return this.rules
      .map((r) => {
        const printed = r.startsWith('pass ') ? r.replace(' label ', ' flags S/SA keep state label ') : r;
        const p = this.packets.get(r) ?? 0;
        const c = `  [ Evaluations: ${pad(100, 8)}  Packets: ${pad(p, 8)}  Bytes: ${pad(p * 60, 10)}  States: ${pad(0, 6)}]\n  [ Inserted: uid 0 pid 812 ]\n`;
        return `${printed}\n${c}`;
      })
      .join('');
  }
}

function pad(n: number, w: number): string {
  return String(n).padEnd(w, ' ');
}

function isRead(argv: string[]): boolean {
  const k = argv.join(' ');
  return k === '-s info' || k === '-sr' || k.endsWith('-sr -v') || k.endsWith('-s Tables') || k.endsWith('-T show');
}

const READS_BEFORE_LOAD = [['-s', 'info'], ['-sr'], ['-a', 'com.outflow', '-sr', '-v'], ['-a', 'com.outflow', '-s', 'Tables']];
const tableShows = ['outflow_1_6', 'outflow_4_6', 'outflow_2_4', 'outflow_5_6', 'outflow_1_4', 'outflow_5_4'].map((t) => ['-a', 'com.outflow', '-t', t, '-T', 'show']);

let fake: FakePf;
afterEach(() => {
  for (const c of fake.calls) expect(c.argv).not.toContain('-d');
  for (const c of fake.calls) if (c.file) expect(existsSync(c.file.path)).toBe(false);
});

function backend(conf = 'anchor "com.apple/*"\n# BEGIN outflow (managed by Outflow; removed on uninstall)\nanchor "com.outflow"\n# END outflow\n') {
  fake = new FakePf();
  const tokens = memoryTokenStore();
  const b = createPfBackend({ run: fake.run, readFile: async () => conf, tokenStore: tokens, now: () => 1_700_000_000_000 });
  return { b, tokens };
}

describe('pf backend: apply', () => {
  it('enables pf with a reference, loads the whole anchor from a 0600 file, and reports enforcing', async () => {
    const { b, tokens } = backend();
    const applied = await b.apply(desired());
    expect(fake.calls.map((c) => c.argv)).toEqual([
      ...READS_BEFORE_LOAD,
      ['-E'],
      ['-a', 'com.outflow', '-f', fake.calls[5]!.file!.path],
      ...READS_BEFORE_LOAD,
      ...tableShows,
    ]);
    const load = fake.calls[5]!.file!;
    expect(load.content).toBe(fx('anchor.expected.conf'));
    expect(load.mode).toBe(0o600);
    expect(load.dirMode).toBe(0o700);
    expect(await tokens.load()).toBe('18446743525445205000');
    expect(applied.status).toEqual({
      backend: 'pf',
      state: 'enforcing',
      reason: null,
      ruleCount: 5,
      lastReconcileAt: 1_700_000_000_000,
      appScope: false,
      appScopeNote: PF_APP_SCOPE_NOTE,
    });
    expect([...applied.hits.keys()].sort()).toEqual([1, 2, 3, 5]);
  });

  it("prints rules the way the recorded fixture does (the simulator is held to pfctl's format)", async () => {
    const { b } = backend();
    await b.apply(desired());
    const simulated = (await fake.run(PFCTL, ['-a', 'com.outflow', '-sr', '-v'])).stdout;
    expect(parseAnchorRules(simulated).map((r) => ruleKey(r.line!))).toEqual(parseAnchorRules(fx('sr-v.enforcing.txt')).map((r) => ruleKey(r.line!)));
  });

  it('a second apply of the same state only reads: no reload, no second reference', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.calls = [];
    const applied = await b.apply(desired());
    expect(fake.writes()).toEqual([]);
    expect(fake.refs.size).toBe(1);
    expect(applied.status.state).toBe('enforcing');
  });

  it('reports blocked packets per rule from the rule counters', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.packets.set(`block return out quick on ! lo0 inet from any to <outflow_1_4> label "outflow:1"${NT}`, 30);
    fake.packets.set(`block return out quick on ! lo0 inet6 from any to <outflow_1_6> label "outflow:1"${NT}`, 7);
    fake.packets.set(`block return out quick on ! lo0 inet proto udp from any to <outflow_5_4> port = 53 label "outflow:5"${NT}`, 2);
    fake.packets.set('pass out on ! lo0 inet6 proto tcp from any to <outflow_4_6> label "outflow:4" tag OUTFLOW_ALLOW', 999);
    expect(fake.rules).toEqual(expect.arrayContaining([...fake.packets.keys()]));
    const { hits } = await b.reconcile(desired(), false);
    expect(hits.get(1)).toBe(37);
    expect(hits.get(5)).toBe(2);
    expect(hits.has(4)).toBe(false);
  });

  it('a rule whose address set changed only swaps its table, keeping counters', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.packets.set(`block return out quick on ! lo0 inet from any to <outflow_1_4> label "outflow:1"${NT}`, 30);
    fake.calls = [];
    const next = desired();
    next.rules[0]!.addresses = ['198.18.1.0/24', '2001:db8::1', '198.18.0.77'];
    const applied = await b.apply(next);
    expect(fake.writes()).toEqual([['-a', 'com.outflow', '-t', 'outflow_1_4', '-T', 'replace', '-f', expect.stringMatching(/\/outflow_1_4\.txt$/)]]);
    expect(fake.calls.find((c) => c.file)!.file).toMatchObject({ content: '198.18.0.77\n198.18.1.0/24\n', mode: 0o600 });
    expect(fake.tables.get('outflow_1_4')).toEqual(['198.18.0.77', '198.18.1.0/24']);
    expect(applied.status.state).toBe('enforcing');
    expect(applied.hits.get(1)).toBe(30);
  });

  it('removing a rule reloads the anchor and drops its now unused tables', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.calls = [];
    const next = desired();
    next.rules = next.rules.filter((r) => r.id !== 5);
    const applied = await b.apply(next);
    expect(fake.writes()).toEqual([
      ['-a', 'com.outflow', '-f', expect.stringMatching(/outflow\.anchor\.conf$/)],
      ['-a', 'com.outflow', '-t', 'outflow_5_4', '-T', 'kill'],
      ['-a', 'com.outflow', '-t', 'outflow_5_6', '-T', 'kill'],
    ]);
    expect([...fake.tables.keys()].sort()).toEqual(['outflow_1_4', 'outflow_1_6', 'outflow_2_4', 'outflow_4_6']);
    expect(fake.rules.every((r) => !r.includes('outflow:5'))).toBe(true);
    expect(applied.status).toMatchObject({ state: 'enforcing', ruleCount: 4 });
  });

  it('an app-scoped allow is left out (pf cannot scope, fail closed) and not counted as held', async () => {
    const { b } = backend();
    const s = desired();
    s.rules[3]!.appPath = '/Applications/X.app/Contents/MacOS/x'; // rule 4, the allow
    const applied = await b.apply(s);
    expect(fake.rules.some((r) => r.includes('outflow:4'))).toBe(false);
    expect(fake.rules.some((r) => r.includes('tagged'))).toBe(false);
    expect(applied.status).toMatchObject({ state: 'enforcing', ruleCount: 4 });
  });

  it('an empty desired state on a clean Mac changes nothing and takes no reference', async () => {
    const { b } = backend();
    const applied = await b.apply({ version: 1, defaultDeny: false, rules: [] });
    expect(fake.writes()).toEqual([]);
    expect(applied.status).toMatchObject({ state: 'enforcing', ruleCount: 0, reason: null });
  });

  it('refuses a hostile document before running anything', async () => {
    const { b } = backend();
    const bad = desired();
    bad.rules[0]!.addresses = ['198.18.0.1 }\nblock drop all'];
    await expect(b.apply(bad)).rejects.toBeInstanceOf(DesiredStateError);
    const badPath = desired();
    badPath.rules[1]!.appPath = '/Applications/x\n"; pass all';
    await expect(b.apply(badPath)).rejects.toBeInstanceOf(DesiredStateError);
    expect(fake.calls).toEqual([]);
  });

  it('a load pfctl rejects is reported as not enforcing, with pfctl’s message', async () => {
    const { b } = backend();
    fake.failLoad = `${ALTQ}/tmp/x/outflow.anchor.conf:2: syntax error\npfctl: Syntax error in config file: pf rules not loaded\n`;
    const applied = await b.apply(desired());
    expect(applied.status.state).toBe('not-enforcing');
    expect(applied.status.reason).toContain('syntax error');
    expect(applied.status.reason).not.toContain('ALTQ');
    expect(applied.status.ruleCount).toBe(0);
  });
});

describe('pf backend: no pfctl', () => {
  it('a runner that rejects (pfctl missing) gives "not enforcing" with the reason, not an exception', async () => {
    fake = new FakePf();
    const b = createPfBackend({ run: async () => Promise.reject(new Error('pfctl: command not found')), now: () => 1 });
    const applied = await b.apply(desired());
    expect(applied.status.state).toBe('not-enforcing');
    expect(applied.status.reason).toContain('pfctl: command not found');
  });
});

describe('pf backend: reconcile', () => {
  it('detects a missing rule and a foreign rule; reports without repair, repairs with a full reload', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.rules = fake.rules.filter((r) => !r.includes('"outflow:2"'));
    fake.rules.push('block drop out quick inet proto tcp from any to 198.18.7.7 port = 22');
    fake.calls = [];
    const seen = await b.reconcile(desired(), false);
    expect(fake.writes()).toEqual([]);
    expect(seen.status.state).toBe('degraded');
    expect(seen.status.reason).toMatch(/1 rule\(s\) missing in pf; 1 unexpected rule\(s\)/);
    expect(seen.status.ruleCount).toBe(4);

    const fixed = await b.reconcile(desired(), true);
    expect(fake.writes()).toEqual([['-a', 'com.outflow', '-f', expect.stringMatching(/outflow\.anchor\.conf$/)]]);
    expect(fixed.status).toMatchObject({ state: 'enforcing', ruleCount: 5, reason: null });
    expect(fake.rules.some((r) => r.includes('198.18.7.7'))).toBe(false);
  });

  it('detects a changed address in a table and repairs it with -T replace', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.tables.set('outflow_1_4', ['198.18.0.2', '198.18.1.0/24']);
    fake.calls = [];
    const seen = await b.reconcile(desired(), false);
    expect(seen.status.state).toBe('degraded');
    expect(seen.status.reason).toBe('<outflow_1_4> differs (1 missing, 1 extra)');
    expect(seen.status.ruleCount).toBe(4);
    const fixed = await b.reconcile(desired(), true);
    expect(fake.writes()).toEqual([['-a', 'com.outflow', '-t', 'outflow_1_4', '-T', 'replace', '-f', expect.any(String)]]);
    expect(fake.tables.get('outflow_1_4')).toEqual(['198.18.0.1', '198.18.1.0/24']);
    expect(fixed.status.state).toBe('enforcing');
  });

  it('pf switched off by someone else: says so, and repair takes a fresh reference', async () => {
    const { b, tokens } = backend();
    await b.apply(desired());
    fake.disableByOther();
    fake.calls = [];
    const seen = await b.reconcile(desired(), false);
    expect(seen.status).toMatchObject({ state: 'not-enforcing', reason: 'pf is disabled' });
    expect(fake.writes()).toEqual([]);
    const fixed = await b.reconcile(desired(), true);
    expect(fake.writes()).toEqual([['-E']]);
    expect(await tokens.load()).toBe('18446743525445205001');
    expect(fixed.status.state).toBe('enforcing');
  });

  it('anchor hook gone from the main ruleset: reloads /etc/pf.conf when it still has the hook', async () => {
    const { b } = backend();
    await b.apply(desired());
    fake.hooked = false;
    fake.calls = [];
    expect((await b.reconcile(desired(), false)).status).toMatchObject({
      state: 'not-enforcing',
      reason: 'the main pf ruleset does not evaluate anchor "com.outflow"',
    });
    const fixed = await b.reconcile(desired(), true);
    expect(fake.writes()).toEqual([['-f', '/etc/pf.conf']]);
    expect(fixed.status.state).toBe('enforcing');
  });

  it('anchor hook gone from /etc/pf.conf too (macOS update): asks for the helper to re-add it, edits nothing', async () => {
    const { b } = backend('anchor "com.apple/*"\nload anchor "com.apple" from "/etc/pf.anchors/com.apple"\n');
    await b.apply(desired());
    fake.hooked = false;
    fake.calls = [];
    const seen = await b.reconcile(desired(), true);
    expect(fake.writes()).toEqual([]);
    expect(seen.status.state).toBe('not-enforcing');
    expect(seen.status.reason).toContain('restart or reinstall the helper');
  });
});

describe('pf backend: clear and app scope', () => {
  it('flushes only our anchor and gives back our reference; pf stays on for other holders', async () => {
    const { b, tokens } = backend();
    await fake.run(PFCTL, ['-E']); // e.g. Apple's Internet Sharing holds one too
    await b.apply(desired());
    fake.calls = [];
    await b.clear();
    expect(fake.calls.map((c) => c.argv)).toEqual([
      ['-a', 'com.outflow', '-F', 'rules'],
      ['-a', 'com.outflow', '-F', 'Tables'],
      ['-X', '18446743525445205001'],
    ]);
    expect(await tokens.load()).toBeNull();
    expect(fake.rules).toEqual([]);
    expect(fake.tables.size).toBe(0);
    expect(fake.enabled).toBe(true);
    expect(fake.refs.size).toBe(1);
  });

  it('clear after pf was reset does not fail on the stale token', async () => {
    const { b, tokens } = backend();
    await b.apply(desired());
    fake.disableByOther();
    await expect(b.clear()).resolves.toBeUndefined();
    expect(await tokens.load()).toBeNull();
  });

  it('cannot scope by app, and says so', async () => {
    const { b } = backend();
    expect(await b.appScope('/Applications/Firefox.app/Contents/MacOS/firefox', [123])).toEqual({
      enforceable: false,
      cgroup: null,
      note: 'macOS pf filters by address only; app-scoped rules apply to all apps',
    });
    expect(b.name).toBe('pf');
  });
});
