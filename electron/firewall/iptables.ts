import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import { createCgroupScope, type AppScopeAnswer, type CgroupScope } from './app-scope';
import { errorText, makeStatus, type ReconcileResult } from './applied';
import { parseDesiredState, stateKey } from './desired-state-schema';
import { compareIptables, parseIptablesSave, type IptObserved } from './iptables-readback';
import { IPT_CHAIN, renderIptables, type IptExpectation } from './iptables-render';
import { firstLine, type Runner } from './runner';
import { withPrivateFile } from './temp-file';

// iptables fallback backend (only where nft is missing): chain OUTFLOW in iptables and ip6tables.

export interface IptablesOptions {
  runner: Runner;
  now?: () => number;
  cgroups?: CgroupScope;
  tmpDir?: string;
}

export interface IptablesBackend extends FirewallBackend {
  reconcile(state: DesiredState, repair: boolean): Promise<ReconcileResult>;
  inspect(): Promise<{ present: boolean; hits: Map<number, number> }>;
}

const FAMILIES = [
  { family: 4 as const, save: 'iptables-save', restore: 'iptables-restore', tool: 'iptables', label: 'IPv4' },
  { family: 6 as const, save: 'ip6tables-save', restore: 'ip6tables-restore', tool: 'ip6tables', label: 'IPv6' },
];

interface FamilyOutcome {
  problems: string[];
  /** Per rule id: held in this family, or not needed in it (no lines). */
  ok: Map<number, boolean>;
  packets: Map<number, number>;
  needed: Set<number>;
}

export function createIptablesBackend(opts: IptablesOptions): IptablesBackend {
  const runner = opts.runner;
  const now = opts.now ?? Date.now;
  // xt_cgroup resolves paths in the kernel, wherever cgroup v2 is mounted.
  const cgroups = opts.cgroups ?? createCgroupScope({ requireUnifiedAtSysFsCgroup: false });
  const fingerprints = new Map<4 | 6, { key: string; lines: string[] }>();

  const read = async (f: (typeof FAMILIES)[number]): Promise<IptObserved> => {
    const r = await runner(f.save, ['-c', '-t', 'filter']);
    if (r.code !== 0) throw new Error(`${f.save} failed: ${firstLine(r)}`);
    return parseIptablesSave(r.stdout);
  };

  const outcome = (f: (typeof FAMILIES)[number], o: IptObserved, expect: IptExpectation, fingerprint: string[] | null): FamilyOutcome => {
    const cmp = compareIptables(o, expect, fingerprint, f.label);
    const held = new Set(cmp.held);
    const ok = new Map<number, boolean>();
    const needed = new Set<number>();
    for (const [id, n] of expect.perRule) {
      if (n > 0) needed.add(id);
      ok.set(id, n === 0 || held.has(id));
    }
    return { problems: cmp.problems, ok, packets: o.packets, needed };
  };

  const failed = (state: DesiredState, problem: string): FamilyOutcome => {
    const ok = new Map<number, boolean>();
    const needed = new Set<number>();
    for (const f of FAMILIES) {
      const { expect } = renderIptables(state, f.family, { now: now(), haveJump: true });
      for (const [id, n] of expect.perRule) if (n > 0) needed.add(id);
    }
    for (const r of state.rules) ok.set(r.id, false);
    return { problems: [problem], ok, packets: new Map(), needed };
  };

  const combine = (state: DesiredState, outcomes: FamilyOutcome[], scope: { ok: boolean; note: string | null }, failure: string | null): AppliedState => {
    const held: number[] = [];
    const hits = new Map<number, number>();
    for (const r of state.rules) {
      const neededSomewhere = outcomes.some((o) => o.needed.has(r.id));
      if (neededSomewhere && outcomes.every((o) => o.ok.get(r.id) === true)) {
        held.push(r.id);
        hits.set(r.id, outcomes.reduce((sum, o) => sum + (o.packets.get(r.id) ?? 0), 0));
      }
    }
    const problem = failure ?? outcomes.flatMap((o) => o.problems)[0] ?? null;
    return {
      status: makeStatus({
        backend: 'iptables',
        state: problem === null ? 'enforcing' : held.length > 0 ? 'degraded' : 'not-enforcing',
        reason: problem,
        held,
        at: now(),
        appScope: scope,
      }),
      hits,
    };
  };

  const apply = async (state: DesiredState): Promise<AppliedState> => {
    const doc = parseDesiredState(state);
    const scope = await cgroups.capability();
    const outcomes: FamilyOutcome[] = [];
    let failure: string | null = null;
    for (const f of FAMILIES) {
      try {
        const before = await read(f);
        const counters = new Map<number, { packets: number; bytes: number }>();
        for (const [id, packets] of before.packets) counters.set(id, { packets, bytes: before.bytes.get(id) ?? 0 });
        const { text, expect } = renderIptables(doc, f.family, { now: now(), counters, haveJump: before.jumpPresent });
        const r = await withPrivateFile(text, 'rules.iptables', (file) => runner(f.restore, ['--noflush', '--counters', file]), opts.tmpDir);
        if (r.code !== 0) failure ??= `${f.restore} failed: ${firstLine(r)}; the previous ${f.label} rules are unchanged`;
        const after = await read(f);
        if (r.code === 0) fingerprints.set(f.family, { key: stateKey(doc), lines: after.lines });
        outcomes.push(outcome(f, after, expect, null));
      } catch (err) {
        outcomes.push(failed(doc, `${f.label}: ${errorText(err)}`));
      }
    }
    return combine(doc, outcomes, scope, failure);
  };

  const reconcile = async (state: DesiredState, repair: boolean): Promise<ReconcileResult> => {
    const doc = parseDesiredState(state);
    const scope = await cgroups.capability();
    const outcomes: FamilyOutcome[] = [];
    for (const f of FAMILIES) {
      try {
        const o = await read(f);
        const { expect } = renderIptables(doc, f.family, { now: now(), haveJump: true });
        const fp = fingerprints.get(f.family);
        outcomes.push(outcome(f, o, expect, fp && fp.key === stateKey(doc) ? fp.lines : null));
      } catch (err) {
        outcomes.push(failed(doc, `${f.label}: ${errorText(err)}`));
      }
    }
    const drift = outcomes.flatMap((o) => o.problems);
    if (drift.length > 0 && repair) {
      const result = await apply(doc);
      return { ...result, drift, repaired: result.status.state === 'enforcing' };
    }
    return { ...combine(doc, outcomes, scope, null), drift, repaired: false };
  };

  const clear = async (): Promise<void> => {
    for (const f of FAMILIES) {
      let o: IptObserved;
      try {
        o = await read(f);
      } catch {
        continue;
      }
      if (!o.chainPresent) continue;
      const lines = ['*filter'];
      if (o.jumpPresent) lines.push(`-D OUTPUT -j ${IPT_CHAIN}`);
      lines.push(`-F ${IPT_CHAIN}`, `-X ${IPT_CHAIN}`, 'COMMIT', '');
      const r = await withPrivateFile(lines.join('\n'), 'clear.iptables', (file) => runner(f.restore, ['--noflush', file]), opts.tmpDir);
      if (r.code !== 0) throw new Error(`${f.restore}: cannot remove chain ${IPT_CHAIN}: ${firstLine(r)}`);
      fingerprints.delete(f.family);
    }
  };

  const inspect = async (): Promise<{ present: boolean; hits: Map<number, number> }> => {
    const hits = new Map<number, number>();
    let present = false;
    for (const f of FAMILIES) {
      const o = await read(f);
      present ||= o.chainPresent;
      for (const [id, p] of o.packets) hits.set(id, (hits.get(id) ?? 0) + p);
    }
    return { present, hits };
  };

  const appScope = (appPath: string, pids: number[]): Promise<AppScopeAnswer> => cgroups.scopeFor(appPath, pids);

  return { name: 'iptables', apply, reconcile, clear, appScope, inspect };
}
