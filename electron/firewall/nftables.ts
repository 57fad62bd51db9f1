import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import { createCgroupScope, type AppScopeAnswer, type CgroupScope } from './app-scope';
import { errorText, hitsFor, makeStatus, type ReconcileResult } from './applied';
import { parseDesiredState, stateKey } from './desired-state-schema';
import { compareNft, parseNftJson, type NftObserved } from './nft-readback';
import { counterName, NFT_TABLE, renderNftables } from './nft-render';
import { firstLine, type Runner } from './runner';
import { withPrivateFile } from './temp-file';

// nftables backend: owns `table inet outflow` and nothing else. Applies the whole table with one
// `nft -f <0600 file>` (one transaction), reads it back with `nft -j list table inet outflow`.

export interface NftablesOptions {
  runner: Runner;
  /** Wall clock (ms) for turning deadlines into kernel timeouts. */
  now?: () => number;
  cgroups?: CgroupScope;
  tmpDir?: string;
  /** Tests only: alter the rendered script, e.g. to fail at the end of the transaction. */
  transformScript?: (script: string) => string;
}

export interface NftablesBackend extends FirewallBackend {
  reconcile(state: DesiredState, repair: boolean): Promise<ReconcileResult>;
  /** What the kernel holds now (for `outflow-helper status`), without a desired state to compare. */
  inspect(): Promise<{ present: boolean; hits: Map<number, number> }>;
  /** The last script handed to nft (for diagnostics and tests). */
  lastScript(): string | null;
}

const CLEAR_SCRIPT = `table inet ${NFT_TABLE} {}\ndelete table inet ${NFT_TABLE}\n`;

export function createNftablesBackend(opts: NftablesOptions): NftablesBackend {
  const runner = opts.runner;
  const now = opts.now ?? Date.now;
  const cgroups = opts.cgroups ?? createCgroupScope();
  let applied: { key: string; fingerprint: string[] } | null = null;
  let last: string | null = null;

  const read = async (): Promise<NftObserved> => {
    const r = await runner('nft', ['-j', 'list', 'table', 'inet', NFT_TABLE]);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr)) return { tablePresent: false, chain: null, rules: [], counters: new Map(), sets: new Map() };
      throw new Error(`nft list failed: ${firstLine(r)}`);
    }
    return parseNftJson(r.stdout);
  };

  const runScript = (script: string) =>
    withPrivateFile(script, 'ruleset.nft', (file) => runner('nft', ['-f', file]), opts.tmpDir);

  const apply = async (state: DesiredState): Promise<AppliedState> => {
    const doc = parseDesiredState(state);
    const scope = await cgroups.capability();
    let carried = new Map<string, { packets: number; bytes: number }>();
    try {
      carried = (await read()).counters;
    } catch {
      /* no counters to carry; the apply below reports the real problem */
    }
    const { script, expect } = renderNftables(doc, { now: now(), counters: carried });
    const text = opts.transformScript ? opts.transformScript(script) : script;
    last = text;
    let failure: string | null = null;
    try {
      const r = await runScript(text);
      if (r.code !== 0) failure = `nft -f failed: ${firstLine(r)}; the previous ruleset is unchanged`;
    } catch (err) {
      failure = `cannot run nft: ${errorText(err)}`;
    }
    let observed: NftObserved;
    try {
      observed = await read();
    } catch (err) {
      const reason = failure ?? `cannot read back the ruleset: ${errorText(err)}`;
      return { status: makeStatus({ backend: 'nftables', state: 'not-enforcing', reason, held: [], at: now(), appScope: scope }), hits: new Map() };
    }
    const cmp = compareNft(observed, expect, null);
    if (!failure) applied = { key: stateKey(doc), fingerprint: observed.rules };
    const problem = failure ?? cmp.problems[0] ?? null;
    const enforcement = problem === null ? 'enforcing' : cmp.held.length > 0 ? 'degraded' : 'not-enforcing';
    return {
      status: makeStatus({ backend: 'nftables', state: enforcement, reason: problem, held: cmp.held, at: now(), appScope: scope }),
      hits: hitsFor(cmp.held, (id) => observed.counters.get(counterName(id))?.packets),
    };
  };

  const reconcile = async (state: DesiredState, repair: boolean): Promise<ReconcileResult> => {
    const doc = parseDesiredState(state);
    const scope = await cgroups.capability();
    let observed: NftObserved;
    try {
      observed = await read();
    } catch (err) {
      const reason = `cannot read the ruleset: ${errorText(err)}`;
      return {
        status: makeStatus({ backend: 'nftables', state: 'not-enforcing', reason, held: [], at: now(), appScope: scope }),
        hits: new Map(),
        drift: [reason],
        repaired: false,
      };
    }
    const { expect } = renderNftables(doc, { now: now() });
    const fingerprint = applied && applied.key === stateKey(doc) ? applied.fingerprint : null;
    const cmp = compareNft(observed, expect, fingerprint);
    if (cmp.problems.length > 0 && repair) {
      const result = await apply(doc);
      return { ...result, drift: cmp.problems, repaired: result.status.state === 'enforcing' };
    }
    const problem = cmp.problems[0] ?? null;
    return {
      status: makeStatus({
        backend: 'nftables',
        state: problem === null ? 'enforcing' : cmp.held.length > 0 ? 'degraded' : 'not-enforcing',
        reason: problem,
        held: cmp.held,
        at: now(),
        appScope: scope,
      }),
      hits: hitsFor(cmp.held, (id) => observed.counters.get(counterName(id))?.packets),
      drift: cmp.problems,
      repaired: false,
    };
  };

  const clear = async (): Promise<void> => {
    const r = await runScript(CLEAR_SCRIPT);
    if (r.code !== 0) throw new Error(`nft: cannot remove table inet ${NFT_TABLE}: ${firstLine(r)}`);
    applied = null;
  };

  const inspect = async (): Promise<{ present: boolean; hits: Map<number, number> }> => {
    const o = await read();
    const hits = new Map<number, number>();
    for (const [name, v] of o.counters) {
      const m = /^r([0-9]+)$/.exec(name);
      if (m) hits.set(Number(m[1]), v.packets);
    }
    return { present: o.tablePresent, hits };
  };

  const appScope = (appPath: string, pids: number[]): Promise<AppScopeAnswer> => cgroups.scopeFor(appPath, pids);

  return { name: 'nftables', apply, reconcile, clear, appScope, inspect, lastScript: () => last };
}
