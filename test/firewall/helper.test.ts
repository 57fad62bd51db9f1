// The privileged helper run for real as a child process inside a client netns
// (`node <build>/electron/firewall/helper/main.js apply <file>`), with a valid document and forged ones.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type DesiredState } from '../../electron/engine/ports';
import { createRulesService } from '../../electron/engine/rules/service';
import { MAX_DOCUMENT_BYTES } from '../../electron/firewall/desired-state-schema';
import { createHelperBackend } from '../../electron/firewall/helper-backend';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo } from '../../electron/store/queries/rules';
import { missing } from '../helpers/requires';
import { createLab, type Lab } from './support/lab';

const skip = missing(['root', 'netns', 'nft']);
const ROOT = resolve(__dirname, '..', '..');

describe.skipIf(skip !== null)('outflow-helper (privileged entry point)', () => {
  let lab: Lab;
  let build: string;
  let docs: string;
  let helper: string;
  let n = 0;

  beforeAll(async () => {
    // The same build as the package (tsconfig.node.json), into a private directory so a parallel
    // build of dist/ by someone else cannot race with this test.
    build = mkdtempSync(join(tmpdir(), 'outflow-build-'));
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.node.json'), '--outDir', build], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    helper = join(build, 'electron', 'firewall', 'helper', 'main.js');
    lab = await createLab('hlp', 68, 69);
    docs = mkdtempSync(join(tmpdir(), 'outflow-docs-'));
  }, 120_000);

  afterAll(() => {
    lab?.destroy();
    for (const d of [build, docs]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const helperArgv = (env: string[] = []): string[] => ['ip', 'netns', 'exec', lab.client, 'env', `NODE_PATH=${join(ROOT, 'node_modules')}`, ...env, process.execPath, helper];

  function run(args: string[], env: string[] = []): { code: number; out: Record<string, unknown> } {
    const [cmd, ...rest] = helperArgv(env);
    const r = spawnSync(cmd!, [...rest, ...args], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let out: Record<string, unknown> = {};
    try {
      out = JSON.parse(line) as Record<string, unknown>;
    } catch {
      out = { unparsable: r.stdout, stderr: r.stderr };
    }
    return { code: r.status ?? -1, out };
  }

  const writeDoc = (content: string, mode = 0o600): string => {
    const path = join(docs, `doc-${n++}.json`);
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
    return path;
  };

  const table = (): string => {
    try {
      return lab.inClient('nft', ['list', 'table', 'inet', 'outflow']).replace(/ expires \S+?(?=[,\s}])/g, '');
    } catch {
      return '(no table)';
    }
  };

  const validDoc = (): DesiredState => ({
    version: 1,
    defaultDeny: false,
    rules: [
      { id: 1, action: 'block', addresses: [lab.a.peerV4, lab.a.peerV6], any: false, proto: 'tcp', portLo: 7001, portHi: 7002, appPath: null, cgroup: null },
      { id: 2, action: 'block', addresses: [], any: true, proto: 'udp', portLo: 9, portHi: 9, appPath: '/usr/bin/x', cgroup: null },
    ],
  });

  it('applies a valid document atomically and prints the AppliedState read back from the kernel', async () => {
    const { code, out } = run(['apply', writeDoc(JSON.stringify(validDoc()))]);
    expect(code).toBe(0);
    expect(out).toMatchObject({ ok: true, backend: 'nftables', status: { backend: 'nftables', state: 'enforcing', ruleCount: 2 }, hits: { '1': 0, '2': 0 } });
    expect(await lab.probe('tcp', lab.a.peerV4, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.a.peerV6, 7002)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
    expect(run(['status'])).toMatchObject({ code: 0, out: { ok: true, present: true, hits: { '1': 2, '2': 0 } } });
  });

  describe('forged documents are refused (exit 2) and nothing is applied', () => {
    const forged: Array<[string, (d: Record<string, unknown> & { rules: Record<string, unknown>[] }) => unknown, RegExp]> = [
      ['a hostname instead of an address', (d) => ((d.rules[0]!.addresses = ['blocked.test']), d), /rules\.0\.addresses\.0: .*(not an address|character)/],
      ['a non-canonical IPv6 address', (d) => ((d.rules[0]!.addresses = ['2001:DB8:0::1']), d), /not in canonical form \(expected "2001:db8::1"\)/],
      ['a leading-zero IPv4 address', (d) => ((d.rules[0]!.addresses = ['198.018.0.1']), d), /leading zero/],
      ['a network with host bits', (d) => ((d.rules[0]!.addresses = ['10.1.2.3/8']), d), /host bits/],
      ['an injected nft statement', (d) => ((d.rules[0]!.addresses = ['1.2.3.4 }; flush ruleset; {']), d), /addresses\.0/],
      ['a cgroup path with a quote', (d) => ((d.rules[1]!.cgroup = 'a" ; flush ruleset ; "'), d), /cgroup path has characters/],
      ['a cgroup path with ..', (d) => ((d.rules[1]!.cgroup = '../../etc'), d), /cgroup path has characters/],
      ['ports backwards', (d) => ((d.rules[0]!.portLo = 90), (d.rules[0]!.portHi = 80), d), /portLo is above portHi/],
      ['port 0', (d) => ((d.rules[0]!.portLo = 0), d), /portLo/],
      ['an unknown field', (d) => ((d.rules[0]!.shell = 'touch /tmp/x'), d), /Unrecognized key/],
      ['a duplicate id', (d) => ((d.rules[1]!.id = 1), d), /rule id 1 appears twice/],
      ['a negative id', (d) => ((d.rules[0]!.id = -1), d), /rules\.0\.id/],
      ['version 2', (d) => ((d.version = 2), d), /version/],
      ['any with addresses', (d) => ((d.rules[1]!.addresses = ['1.2.3.4']), d), /carries no addresses/],
      ['too many rules', (d) => ((d.rules = Array.from({ length: 10_001 }, (_, i) => ({ ...d.rules[0]!, id: i + 1 }))), d), /rules: .*10000/],
    ];
    it.each(forged)('%s', (_name, forge, message) => {
      const before = table();
      const doc = forge(JSON.parse(JSON.stringify(validDoc())) as never);
      const { code, out } = run(['apply', writeDoc(JSON.stringify(doc))]);
      expect(code).toBe(2);
      expect(out.ok).toBe(false);
      expect(String(out.error)).toMatch(message);
      expect(table()).toBe(before);
    });

    it('not JSON, a symlink, group-writable, another owner, a hard link, too big, a relative path', () => {
      const before = table();
      const good = writeDoc(JSON.stringify(validDoc()));
      const link = join(docs, `link-${n++}.json`);
      symlinkSync(good, link);
      const hard = join(docs, `hard-${n++}.json`);
      linkSync(writeDoc(JSON.stringify(validDoc())), hard);
      const foreign = writeDoc(JSON.stringify(validDoc()));
      chownSync(foreign, 65534, 65534);
      const big = writeDoc('');
      truncateSync(big, MAX_DOCUMENT_BYTES + 1);
      const cases: Array<[string[], string[], RegExp]> = [
        [['apply', writeDoc('{"version": 1, ')], [], /not valid JSON/],
        [['apply', link], [], /is a symbolic link/],
        [['apply', writeDoc(JSON.stringify(validDoc()), 0o620)], [], /writable by group or others/],
        [['apply', foreign], [], /owned by uid 65534, not by the caller \(uid 0\)/],
        [['apply', good], ['PKEXEC_UID=65534'], /owned by uid 0, not by the caller \(uid 65534\)/],
        [['apply', hard], [], /more than one hard link/],
        [['apply', big], [], /larger than/],
        [['apply', 'doc.json'], [], /must be absolute/],
      ];
      for (const [args, env, message] of cases) {
        const { code, out } = run(args, env);
        expect(code, args.join(' ')).toBe(2);
        expect(String(out.error)).toMatch(message);
      }
      expect(run(['frobnicate'])).toMatchObject({ code: 3, out: { ok: false } });
      expect(run(['apply'])).toMatchObject({ code: 3 });
      expect(run(['status', '/etc/passwd'])).toMatchObject({ code: 3 });
      expect(table()).toBe(before);
    });
  });

  it('clear removes only the Outflow table', () => {
    lab.inClient('nft', ['add', 'table', 'ip', 'keepme']);
    expect(run(['clear'])).toMatchObject({ code: 0, out: { ok: true } });
    expect(table()).toBe('(no table)');
    expect(lab.inClient('nft', ['list', 'tables'])).toContain('table ip keepme');
    lab.inClient('nft', ['delete', 'table', 'ip', 'keepme']);
  });

  it('the helper backend applies through the helper; a refused elevation leaves the rule stored but not enforced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outflow-hb-'));
    const db = new Database(join(dir, 'outflow.db'));
    migrate(db);
    const repo = createRulesRepo(db);
    try {
      // As root the helper runs directly (pkexec would be the prefix for a desktop user).
      const backend = createHelperBackend({ command: helperArgv() });
      const service = createRulesService({ repo, backend, resolver: { resolve: async () => [] }, clock: systemClock, log: () => undefined });
      await service.start();
      const rule = await service.add({ target: lab.b.peerV6 });
      expect(rule).toMatchObject({ enforced: true });
      expect(service.status()).toMatchObject({ backend: 'nftables', state: 'enforcing', ruleCount: 1 });
      expect(await lab.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
      await service.remove(rule.id);
      expect(await lab.probe('tcp', lab.b.peerV6, 7001)).toMatchObject({ ok: true });
      await service.stop();

      // pkexec exits 126 when the user dismisses the dialog (127 when not authorised / no agent).
      const refusing = createHelperBackend({ command: [process.execPath, '-e', 'process.exit(126)', '--'] });
      const s2 = createRulesService({ repo, backend: refusing, resolver: { resolve: async () => [] }, clock: systemClock, log: () => undefined });
      await s2.start();
      const stored = await s2.add({ target: lab.b.peerV4 });
      expect(stored.enforced).toBe(false);
      expect(stored.enforcementNote).toMatch(/administrator authorisation was refused or cancelled \(pkexec exit 126\)/);
      expect(s2.status()).toMatchObject({ state: 'not-enforcing', ruleCount: 0 });
      expect(repo.list().map((r) => r.target)).toEqual([lab.b.peerV4]);
      expect(s2.match(null, lab.b.peerV4, 'tcp', 7001)).toBeNull();
      expect(await lab.probe('tcp', lab.b.peerV4, 7001)).toMatchObject({ ok: true });
      await s2.stop();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
      try {
        execFileSync('ip', ['netns', 'exec', lab.client, 'nft', 'delete', 'table', 'inet', 'outflow'], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  });
});
