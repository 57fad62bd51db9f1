// FirewallBackend for macOS pf. Outflow owns exactly one anchor, `com.outflow`, hooked into the main
// ruleset by /etc/pf.conf (pf-hook.ts); everything it does stays inside that anchor:
//   apply/reconcile  read pf (status, hook, anchor rules + counters, tables) → diff → repair:
//                    whole anchor via `pfctl -a com.outflow -f FILE` (atomic), or only table
//                    contents via `-T replace -f FILE` → read again → report truthfully
//   enabling         `pfctl -E` takes a reference and prints a token; we keep it and give it back
//                    with `pfctl -X <token>` in clear(). Never `pfctl -d`: pf is shared with the
//                    system and other apps, and -d would switch it off under all of them.
// pf matches addresses, ports and protocols, not executables: app-scoped rules apply to all apps.
// Matching by app would take a Network Extension content filter (NEFilterDataProvider) in a signed
// system extension; that is not built.
import { readFile as fsReadFile } from 'node:fs/promises';
import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import type { EnforcementState, FirewallStatus } from '../shared/types';
import { pfCommands, PFCTL, type Argv } from './pf-commands';
import { describeDrift, diffPf, enforcedRuleIds, hasDrift, hitsByRule, type PfDrift, type PfKernelState } from './pf-diff';
import { privateFiles, type PrivateFiles } from './pf-files';
import { confHasHook } from './pf-hook';
import { hasAnchorHook, parseAnchorRules, parseEnableToken, parsePfEnabled, parseTableList, parseTableShow } from './pf-parse';
import { idFromLabel, renderAnchor, renderTableFile, type RenderedAnchor } from './pf-render';
import { describeFailure, type CommandRunner, type RunResult } from './pf-runner';
import { normalizeForPf } from './pf-validate';

export const PF_APP_SCOPE_NOTE = 'macOS pf filters by address only; app-scoped rules apply to all apps';

/** Where the pf enable token is kept between helper restarts (the helper uses a root-only file). */
export interface PfTokenStore {
  load(): Promise<string | null>;
  save(token: string | null): Promise<void>;
}

export interface PfBackendOptions {
  run: CommandRunner;
  files?: PrivateFiles;
  pfctl?: string;
  pfConfPath?: string;
  readFile?: (path: string) => Promise<string>;
  tokenStore?: PfTokenStore;
  now?: () => number;
}

export function memoryTokenStore(initial: string | null = null): PfTokenStore {
  let token = initial;
  return {
    load: async () => token,
    save: async (t) => {
      token = t;
    },
  };
}

export function createPfBackend(opts: PfBackendOptions): FirewallBackend {
  const cmd = opts.pfctl ?? PFCTL;
  const files = opts.files ?? privateFiles();
  const pfConfPath = opts.pfConfPath ?? '/etc/pf.conf';
  const readConf = opts.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  const tokens = opts.tokenStore ?? memoryTokenStore();
  const now = opts.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  /** One pf operation at a time: two interleaved reloads could leave a mix of both. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  // A runner that rejects (e.g. runner.ts's execFileRunner on ENOENT) counts as a failed command.
  const exec = async (a: Argv): Promise<RunResult> => {
    try {
      return await opts.run(a.cmd, a.argv);
    } catch (e) {
      return { stdout: '', stderr: `${a.cmd}: ${e instanceof Error ? e.message : String(e)}`, code: -1 };
    }
  };

  async function read(rendered: RenderedAnchor, errors: string[]): Promise<PfKernelState> {
    const info = await exec(pfCommands.showInfo(cmd));
    const enabled = info.code === 0 ? parsePfEnabled(info.stdout) : null;
    if (enabled === null) errors.push(`could not read pf status (${describeFailure(cmd, pfCommands.showInfo(cmd).argv, info)})`);
    const main = await exec(pfCommands.showMainRules(cmd));
    const hooked = main.code === 0 && hasAnchorHook(main.stdout);
    if (main.code !== 0) errors.push(describeFailure(cmd, pfCommands.showMainRules(cmd).argv, main));
    // An anchor that was never loaded makes -sr / -s Tables fail; that is "empty", not an error.
    const ruleOut = await exec(pfCommands.showAnchorRules(cmd));
    const rules = ruleOut.code === 0 ? parseAnchorRules(ruleOut.stdout) : [];
    const tableOut = await exec(pfCommands.showTables(cmd));
    const tableNames = tableOut.code === 0 ? parseTableList(tableOut.stdout) : [];
    const tables = new Map<string, string[]>();
    for (const name of rendered.tables.keys()) {
      if (!tableNames.includes(name)) continue;
      const shown = await exec(pfCommands.showTable(name, cmd));
      if (shown.code === 0) tables.set(name, parseTableShow(shown.stdout));
      else errors.push(describeFailure(cmd, pfCommands.showTable(name, cmd).argv, shown));
    }
    return { enabled, hooked, rules, tableNames, tables };
  }

  async function run(a: Argv, errors: string[]): Promise<RunResult> {
    const r = await exec(a);
    if (r.code !== 0) errors.push(describeFailure(a.cmd, a.argv, r));
    return r;
  }

  /** Takes a pf enable reference unless we hold a live one. Returns whether pfctl ran. */
  async function ensureEnabled(kernel: PfKernelState, errors: string[]): Promise<boolean> {
    const held = await tokens.load();
    // pfctl -d elsewhere drops every reference, so after it our old token is worthless.
    if (held !== null && kernel.enabled === true) return false;
    const r = await run(pfCommands.enableRef(cmd), errors);
    const token = parseEnableToken(`${r.stdout}\n${r.stderr}`);
    if (r.code === 0 && token === null) errors.push('pfctl -E printed no token');
    if (token !== null) await tokens.save(token);
    return true;
  }

  async function repairHook(errors: string[]): Promise<void> {
    let conf: string;
    try {
      conf = await readConf(pfConfPath);
    } catch (e) {
      errors.push(`cannot read ${pfConfPath}: ${(e as Error).message}`);
      return;
    }
    // A macOS update can replace /etc/pf.conf. Editing it is the helper's install step (pf-hook.ts,
    // with a syntax check and an atomic rename), never a side effect of reconcile.
    if (!confHasHook(conf)) {
      errors.push(`${pfConfPath} lacks anchor "com.outflow" (a macOS update may have replaced it); the Outflow helper adds it back when it starts: restart or reinstall the helper`);
      return;
    }
    await run(pfCommands.loadMainConf(pfConfPath, cmd), errors);
  }

  async function repair(rendered: RenderedAnchor, kernel: PfKernelState, drift: PfDrift, errors: string[]): Promise<boolean> {
    let changed = false;
    if (needsPf(rendered)) changed = await ensureEnabled(kernel, errors);
    if (!kernel.hooked && needsPf(rendered)) {
      await repairHook(errors);
      changed = true;
    }
    if (drift.rulesDiffer || drift.missingTables.length > 0) {
      await files({ 'outflow.anchor.conf': rendered.text }, (p) => run(pfCommands.loadAnchor(p['outflow.anchor.conf'] as string, cmd), errors));
      changed = true;
    } else if (drift.tableDrift.length > 0) {
      const contents: Record<string, string> = {};
      for (const t of drift.tableDrift) contents[`${t.table}.txt`] = renderTableFile(rendered.tables.get(t.table) ?? []);
      await files(contents, async (p) => {
        for (const t of drift.tableDrift) await run(pfCommands.replaceTable(t.table, p[`${t.table}.txt`] as string, cmd), errors);
      });
      changed = true;
    }
    for (const t of drift.extraTables) {
      await run(pfCommands.killTable(t, cmd), errors);
      changed = true;
    }
    return changed;
  }

  async function sync(state: DesiredState, doRepair: boolean): Promise<AppliedState> {
    const norm = normalizeForPf(state, now());
    const rendered = renderAnchor(norm);
    const errors: string[] = [];
    let kernel = await read(rendered, errors);
    let drift = diffPf(rendered, kernel);
    if (doRepair && (hasDrift(drift) || (needsPf(rendered) && (kernel.enabled !== true || !kernel.hooked || (await tokens.load()) === null)))) {
      if (await repair(rendered, kernel, drift, errors)) {
        const readErrors: string[] = [];
        kernel = await read(rendered, readErrors);
        drift = diffPf(rendered, kernel);
        errors.push(...readErrors);
      }
    }
    const enforced = enforcedRuleIds(rendered, kernel, drift);
    return { status: status(rendered, kernel, drift, enforced, errors, now()), hits: hitsByRule(kernel.rules) };
  }

  return {
    name: 'pf',
    apply: (state) => serial(() => sync(state, true)),
    reconcile: (state, doRepair) => serial(() => sync(state, doRepair)),
    clear: () =>
      serial(async () => {
        const errors: string[] = [];
        await run(pfCommands.flushAnchorRules(cmd), errors);
        await run(pfCommands.flushAnchorTables(cmd), errors);
        const token = await tokens.load();
        if (token !== null) {
          // A stale token (pf was reset) fails harmlessly; either way we no longer hold one.
          await exec(pfCommands.releaseRef(token, cmd));
          await tokens.save(null);
        }
        if (errors.length > 0) throw new Error(`pf clear: ${errors.join('; ')}`);
      }),
    appScope: async () => ({ enforceable: false, cgroup: null, note: PF_APP_SCOPE_NOTE }),
  };
}

/** Whether anything is to be enforced (rules that render to nothing do not need pf on). */
function needsPf(rendered: RenderedAnchor): boolean {
  return rendered.lines.length > 0;
}

function status(
  rendered: RenderedAnchor,
  kernel: PfKernelState,
  drift: PfDrift,
  enforced: Set<number>,
  errors: string[],
  at: number,
): FirewallStatus {
  // Rules that render to nothing (no address yet, app-scoped allows) are not "held by the kernel".
  const wanted = new Set(rendered.lines.map((l) => idFromLabel(l.label)).filter((id): id is number => id !== null));
  let state: EnforcementState = 'enforcing';
  const reasons: string[] = [];
  if (needsPf(rendered)) {
    if (kernel.enabled !== true) {
      state = 'not-enforcing';
      reasons.push(kernel.enabled === false ? 'pf is disabled' : 'pf status unknown');
    } else if (!kernel.hooked) {
      state = 'not-enforcing';
      reasons.push('the main pf ruleset does not evaluate anchor "com.outflow"');
    } else if (hasDrift(drift)) {
      const anyEnforced = [...wanted].some((id) => enforced.has(id));
      state = anyEnforced || (wanted.size === 0 && !drift.rulesDiffer) ? 'degraded' : 'not-enforcing';
      reasons.push(describeDrift(drift));
    }
  } else if (hasDrift(drift)) {
    state = 'degraded';
    reasons.push(`rules no longer wanted are still loaded: ${describeDrift(drift)}`);
  }
  if (state !== 'enforcing') reasons.push(...errors);
  return {
    backend: 'pf',
    state,
    reason: state === 'enforcing' ? null : reasons.filter(Boolean).join('; '),
    ruleCount: [...wanted].filter((id) => enforced.has(id)).length,
    lastReconcileAt: at,
    appScope: false,
    appScopeNote: PF_APP_SCOPE_NOTE,
  };
}
