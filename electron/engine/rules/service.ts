import { ApiError, type MethodParsed, type RulesImportResult } from '../../shared/contract';
import { normalizeRuleInput, RuleInputError, type NormalizedRule } from '../../shared/rule-input';
import type { FirewallStatus, Rule } from '../../shared/types';
import type { AppScopeAnswer } from '../../firewall/app-scope';
import type { ReconcileResult } from '../../firewall/applied';
import { MAX_RULES, type TimedDesiredState } from '../../firewall/desired-state-schema';
import type { NewRule, RulesRepo, StoredRule } from '../../store/queries/rules';
import type { AppliedState, Clock, FirewallBackend, Resolver } from '../ports';
import type { RulesPort } from '../services';
import { buildDesiredState } from './desired-state';
import { anchorDeadline, clockOffset, jumped, wallFromMono } from './expiry';
import { liveAddresses, refreshHost, type HostState } from './host-addresses';
import { compileMatcher, type FlowMatcher } from './live-match';

// The rules service: desired state in SQLite → FirewallBackend, and the truth about what is enforced.
//
// - Every change is written durably first (the repo), then the whole desired state is applied. If the
//   backend cannot apply (elevation refused, nft missing, kernel error) the rule stays stored, the
//   status says not-enforcing/degraded with the reason, and the returned rule says `enforced: false`:
//   a rule is shown as enforced only when the kernel was read back holding it.
// - start(): lift until-restart rules, drop expired ones, apply, then reconcile every `reconcileMs`
//   (default 10 s): read the kernel back and repair drift (someone ran `nft flush ruleset`), which
//   `status().lastRepair` then reports.
// - Temporary rules: see ./expiry.ts for the clock policy; hostname rules: ./host-addresses.ts.
// - Precedence and what an `allow` means: ../../firewall/precedence.ts.
// All mutations and applies run one at a time (a promise queue), so two clicks never interleave.

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface RulesServiceOptions {
  repo: RulesRepo;
  backend: FirewallBackend;
  resolver: Pick<Resolver, 'resolve'>;
  clock: Clock;
  /** Pids currently running an executable (from the collector), for per-app scope; without it app rules apply to all apps. */
  appScope?: (appPath: string) => number[];
  log: Logger;
  onChange?: (rules: Rule[], status: RulesStatus) => void;
  /** Kernel read-back and drift repair period. Default 10 000 ms. */
  reconcileMs?: number;
  defaultDeny?: boolean;
  /** Budget for one hostname lookup. Default 5000 ms. */
  resolveTimeoutMs?: number;
}

export interface RulesStatus extends FirewallStatus {
  /** The last drift found by reconcile and whether it was repaired. */
  lastRepair: { at: number; problems: string[]; repaired: boolean } | null;
}

/** A Rule plus whether the kernel holds it right now (proposed for shared/types.ts Rule). */
export interface EnforcedRule extends Rule {
  enforced: boolean;
  /** Why it is not enforced, or a caveat (applies to all apps); null when fully enforced. */
  enforcementNote: string | null;
}

export interface RulesService extends RulesPort {
  list(): EnforcedRule[];
  add(input: unknown): Promise<EnforcedRule>;
  remove(id: number): Promise<boolean>;
  setEnabled(id: number, enabled: boolean): Promise<EnforcedRule>;
  importRules(input: MethodParsed<'rules.import'>): Promise<RulesImportResult>;
  exportRules(): { version: 1; rules: EnforcedRule[] };
  /** Id of the enabled, enforced block rule that decides this flow, else null (LiveFlow.blockedBy). */
  match: FlowMatcher;
  liveMatch: FlowMatcher;
  status(): RulesStatus;
  /** Run one reconcile now (the periodic one, on demand). */
  reconcileNow(): Promise<RulesStatus>;
  onChange(listener: (rules: Rule[], status: RulesStatus) => void): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function invalid(method: string, err: RuleInputError, prefix = ''): ApiError {
  const issues = err.issues.map((i) => ({ path: prefix + i.path, message: i.message }));
  const first = issues[0];
  return new ApiError('invalid', `${method}: ${first ? (first.path ? `${first.path}: ` : '') + first.message : 'invalid rule'}`, issues);
}

function toNewRule(n: NormalizedRule, createdAt: number): NewRule {
  return {
    target: n.target,
    kind: n.kind,
    proto: n.proto,
    portLo: n.portLo,
    portHi: n.portHi,
    appPath: n.appPath,
    action: n.action,
    createdAt,
    expiresAt: n.expiresAt,
    untilRestart: n.untilRestart,
    note: n.note,
  };
}

export function createRulesService(o: RulesServiceOptions): RulesService {
  const { repo, backend, clock, log } = o;
  const reconcileMs = o.reconcileMs ?? 10_000;
  const resolveTimeoutMs = o.resolveTimeoutMs ?? 5000;
  const listeners: Array<(rules: Rule[], status: RulesStatus) => void> = o.onChange ? [o.onChange] : [];

  let rules: StoredRule[] = repo.list();
  const deadlines = new Map<number, number>();
  const hosts = new Map<number, HostState>();
  const scopes = new Map<string, AppScopeAnswer>();
  let desired: TimedDesiredState = { version: 1, defaultDeny: o.defaultDeny ?? false, rules: [] };
  let held = new Set<number>();
  const hitBase = new Map<number, number>();
  const lastKernel = new Map<number, number>();
  let fw: FirewallStatus = {
    backend: backend.name,
    state: 'not-enforcing',
    reason: 'the rules service has not started yet',
    ruleCount: 0,
    lastReconcileAt: null,
    appScope: false,
    appScopeNote: null,
  };
  let lastRepair: RulesStatus['lastRepair'] = null;
  let matcher: FlowMatcher = () => null;
  let offset = clockOffset(clock);
  let queue: Promise<unknown> = Promise.resolve();
  let interval: NodeJS.Timeout | null = null;
  let wake: NodeJS.Timeout | null = null;
  let running = false;

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };

  const reload = (): void => {
    rules = repo.list();
    const ids = new Set(rules.map((r) => r.id));
    for (const id of [...deadlines.keys()]) if (!ids.has(id)) deadlines.delete(id);
    for (const id of [...hosts.keys()]) if (!ids.has(id)) hosts.delete(id);
  };

  /** Anchor new temporary rules to the monotonic clock; remove the ones already past. Returns removed count. */
  const dropExpired = (): number => {
    const mono = clock.monotonic();
    const expired: number[] = [];
    for (const r of rules) {
      if (r.expiresAt === null) continue;
      if (!deadlines.has(r.id)) {
        const d = anchorDeadline(r.expiresAt, r.createdAt, clock);
        if (d === null) expired.push(r.id);
        else deadlines.set(r.id, d);
      } else if (deadlines.get(r.id)! <= mono) expired.push(r.id);
    }
    if (expired.length === 0) return 0;
    repo.removeMany(expired);
    log('info', `rules: ${expired.length} temporary rule(s) expired and were lifted (${expired.join(', ')})`);
    reload();
    return expired.length;
  };

  const refreshScopes = async (): Promise<boolean> => {
    let changed = false;
    const paths = new Set(rules.filter((r) => r.enabled && r.appPath !== null).map((r) => r.appPath!));
    for (const path of [...scopes.keys()]) if (!paths.has(path)) scopes.delete(path);
    for (const path of paths) {
      let answer: AppScopeAnswer;
      try {
        answer = await backend.appScope(path, o.appScope?.(path) ?? []);
      } catch (err) {
        answer = { enforceable: false, cgroup: null, note: `cannot check the app's cgroup: ${err instanceof Error ? err.message : String(err)}` };
      }
      const before = scopes.get(path);
      if (!before || before.enforceable !== answer.enforceable || before.cgroup !== answer.cgroup) changed = true;
      scopes.set(path, answer);
    }
    return changed;
  };

  /** Resolve hostname rules that are due (or all, with `force`). Returns whether any answer arrived. */
  const refreshHosts = async (force: boolean): Promise<boolean> => {
    const mono = clock.monotonic();
    const due = rules.filter((r) => r.enabled && r.kind === 'host' && (force || !hosts.has(r.id) || hosts.get(r.id)!.nextLookup <= mono));
    if (due.length === 0) return false;
    const states = await Promise.all(due.map((r) => refreshHost(r.target, hosts.get(r.id), o.resolver, clock, resolveTimeoutMs)));
    due.forEach((r, i) => {
      const s = states[i]!;
      if (s.error) log('warn', `rules: resolving ${r.target} for rule ${r.id}: ${s.error}`);
      hosts.set(r.id, s);
    });
    return true;
  };

  const totalHits = (id: number): number | null => {
    const k = lastKernel.get(id);
    if (k === undefined || !held.has(id)) return rules.find((r) => r.id === id)?.hits ?? null;
    return (hitBase.get(id) ?? 0) + k;
  };

  const absorb = (result: AppliedState): void => {
    held = new Set(result.hits.keys());
    for (const [id, k] of result.hits) {
      const previous = lastKernel.get(id);
      if (previous === undefined) {
        // First reading since start: a kernel counter below the stored total means it was reset (reboot).
        const stored = rules.find((r) => r.id === id)?.hits ?? 0;
        hitBase.set(id, Math.max(0, stored - k));
      } else if (k < previous) {
        hitBase.set(id, (hitBase.get(id) ?? 0) + previous);
      }
      lastKernel.set(id, k);
    }
    fw = result.status;
    matcher = compileMatcher(desired.rules, held);
    const totals = new Map<number, number>();
    for (const id of held) totals.set(id, totalHits(id) ?? 0);
    try {
      repo.setHits(totals);
    } catch (err) {
      log('warn', `rules: cannot save hit counters: ${err instanceof Error ? err.message : String(err)}`);
    }
    scheduleWake();
    const list = listRules();
    const s = status();
    for (const l of listeners) {
      try {
        l(list, s);
      } catch (err) {
        log('warn', `rules: change listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const failedResult = (err: unknown): AppliedState => ({
    status: { ...fw, state: 'not-enforcing', reason: `firewall error: ${err instanceof Error ? err.message : String(err)}`, ruleCount: 0, lastReconcileAt: clock.now() },
    hits: new Map(),
  });

  const applyDesired = async (): Promise<void> => {
    desired = buildDesiredState({ rules, hosts, scopes, deadlines, clock, defaultDeny: desired.defaultDeny });
    let result: AppliedState;
    try {
      result = await backend.apply(desired);
    } catch (err) {
      result = failedResult(err);
    }
    if (result.status.state !== 'enforcing') log('warn', `rules: ${result.status.state}: ${result.status.reason ?? ''}`);
    absorb(result);
  };

  const scheduleWake = (): void => {
    if (!running) return;
    if (wake) clearTimeout(wake);
    wake = null;
    const times = [...deadlines.values(), ...[...hosts.values()].map((h) => h.nextLookup)];
    if (times.length === 0) return;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, Math.min(...times) - clock.monotonic() + 5));
    wake = setTimeout(() => {
      wake = null;
      void maintain();
    }, delay);
    wake.unref();
  };

  /** Expiry and re-resolution, between reconciles. */
  const maintain = (): Promise<void> =>
    serial(async () => {
      if (!running) return;
      const expired = dropExpired() > 0;
      const resolved = await refreshHosts(false);
      if (expired || resolved) await applyDesired();
      else scheduleWake();
    });

  const reconcile = (): Promise<RulesStatus> =>
    serial(async () => {
      const current = clockOffset(clock);
      const jump = jumped(offset, current);
      offset = current;
      if (jump !== 0) {
        log('warn', `rules: the wall clock jumped by ${Math.round(jump / 1000)} s; temporary rules keep their remaining time`);
        for (const r of rules) {
          const d = deadlines.get(r.id);
          if (r.expiresAt !== null && d !== undefined) repo.setExpiresAt(r.id, wallFromMono(d, clock));
        }
        reload();
      }
      let changed = dropExpired() > 0;
      changed = (await refreshScopes()) || changed;
      changed = (await refreshHosts(false)) || changed;
      if (changed) {
        await applyDesired();
        return status();
      }
      desired = buildDesiredState({ rules, hosts, scopes, deadlines, clock, defaultDeny: desired.defaultDeny });
      let result: AppliedState;
      try {
        result = await backend.reconcile(desired, true);
      } catch (err) {
        result = failedResult(err);
      }
      const drift = (result as Partial<ReconcileResult>).drift;
      if (drift && drift.length > 0) {
        lastRepair = { at: clock.now(), problems: drift, repaired: (result as ReconcileResult).repaired };
        log('warn', `rules: the kernel ruleset drifted (${drift.join('; ')}); ${lastRepair.repaired ? 'repaired' : 'NOT repaired'}`);
      }
      absorb(result);
      return status();
    });

  const toRule = (r: StoredRule): EnforcedRule => {
    const mono = clock.monotonic();
    const d = deadlines.get(r.id);
    const scope = r.appPath === null ? undefined : scopes.get(r.appPath);
    const scopeOk = r.appPath === null || scope?.enforceable === true;
    const host = hosts.get(r.id);
    const enforced = r.enabled && held.has(r.id);
    let note: string | null = null;
    if (!r.enabled) note = 'disabled';
    else if (!enforced) {
      if (r.kind === 'host' && liveAddresses(host, mono).length === 0) note = `${r.target} has no known addresses yet${host?.error ? ` (${host.error})` : ''}`;
      else if (r.appPath !== null && !scopeOk && r.action === 'allow') {
        note = `not applied: this app cannot be told apart from others here (${scope?.note ?? 'no cgroup of its own'}), and an allow for every app would undo blocks`;
      } else note = fw.reason ?? 'not held by the firewall';
    } else if (!scopeOk) note = `applies to all apps: ${scope?.note ?? 'the app has no cgroup of its own'}`;
    return {
      id: r.id,
      target: r.target,
      kind: r.kind,
      proto: r.proto,
      portLo: r.portLo,
      portHi: r.portHi,
      appPath: r.appPath,
      action: r.action,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt === null ? null : d !== undefined ? wallFromMono(d, clock) : r.expiresAt,
      untilRestart: r.untilRestart,
      enabled: r.enabled,
      note: r.note,
      hits: totalHits(r.id),
      resolved: liveAddresses(host, mono).map((a) => a.address),
      appScopeEnforced: scopeOk,
      enforced,
      enforcementNote: note,
    };
  };

  const listRules = (): EnforcedRule[] => rules.map(toRule);

  const status = (): RulesStatus => {
    let s: FirewallStatus = fw;
    if (s.state === 'enforcing') {
      const mono = clock.monotonic();
      const dry = rules.find((r) => r.enabled && r.kind === 'host' && liveAddresses(hosts.get(r.id), mono).length === 0);
      if (dry) {
        const err = hosts.get(dry.id)?.error;
        s = { ...s, state: 'degraded', reason: `hostname rule ${dry.target} is not enforced: ${err ?? 'not resolved yet'}` };
      }
    }
    return { ...s, lastRepair };
  };

  const findDuplicate = (n: NormalizedRule): StoredRule | undefined =>
    rules.find(
      (r) =>
        r.enabled &&
        r.expiresAt === null &&
        n.expiresAt === null &&
        r.untilRestart === n.untilRestart &&
        r.target === n.target &&
        r.proto === n.proto &&
        r.portLo === n.portLo &&
        r.portHi === n.portHi &&
        r.appPath === n.appPath &&
        r.action === n.action,
    );

  const prepareNew = async (ids: number[]): Promise<void> => {
    reload();
    dropExpired();
    const fresh = rules.filter((r) => ids.includes(r.id));
    if (fresh.some((r) => r.appPath !== null)) await refreshScopes();
    const hostRules = fresh.filter((r) => r.kind === 'host');
    if (hostRules.length) {
      const states = await Promise.all(hostRules.map((r) => refreshHost(r.target, undefined, o.resolver, clock, resolveTimeoutMs)));
      hostRules.forEach((r, i) => hosts.set(r.id, states[i]!));
    }
  };

  const service: RulesService = {
    list: () => listRules(),

    add: (input) =>
      serial(async () => {
        let n: NormalizedRule;
        try {
          n = normalizeRuleInput(input, clock.now());
        } catch (err) {
          if (err instanceof RuleInputError) throw invalid('rules.add', err);
          throw err;
        }
        const dup = findDuplicate(n);
        if (dup) return toRule(dup);
        if (rules.length >= MAX_RULES) throw new ApiError('conflict', `rules.add: at most ${MAX_RULES} rules`);
        const stored = repo.insert(toNewRule(n, clock.now()));
        await prepareNew([stored.id]);
        await applyDesired();
        const now = rules.find((r) => r.id === stored.id);
        return toRule(now ?? stored);
      }),

    remove: (id) =>
      serial(async () => {
        if (!repo.remove(id)) return false;
        reload();
        await applyDesired();
        return true;
      }),

    setEnabled: (id, enabled) =>
      serial(async () => {
        const r = repo.setEnabled(id, enabled);
        if (!r) throw new ApiError('not-found', `rule ${id} does not exist`);
        await prepareNew(enabled ? [id] : []);
        await applyDesired();
        return toRule(rules.find((x) => x.id === id) ?? r);
      }),

    importRules: (input) =>
      serial(async () => {
        const now = clock.now();
        const normalized: NormalizedRule[] = [];
        input.rules.forEach((raw, i) => {
          try {
            normalized.push(normalizeRuleInput(raw, now));
          } catch (err) {
            if (err instanceof RuleInputError) throw invalid('rules.import', err, `rules.${i}.`);
            throw err;
          }
        });
        const remaining = input.replace ? 0 : rules.length;
        if (remaining + normalized.length > MAX_RULES) throw new ApiError('conflict', `rules.import: at most ${MAX_RULES} rules`);
        const { added, removed } = repo.importMany(
          normalized.map((n) => toNewRule(n, now)),
          input.replace,
        );
        if (input.replace) {
          hosts.clear();
          deadlines.clear();
        }
        await prepareNew(added.map((r) => r.id));
        await applyDesired();
        return { added: added.length, removed, rules: listRules() };
      }),

    exportRules: () => ({ version: 1, rules: listRules() }),

    match: (appPath, remote, proto, rport) => matcher(appPath, remote, proto, rport),
    liveMatch: (appPath, remote, proto, rport) => matcher(appPath, remote, proto, rport),

    status,

    reconcileNow: () => reconcile(),

    onChange: (listener) => {
      listeners.push(listener);
    },

    start: () =>
      serial(async () => {
        if (running) return;
        running = true;
        rules = repo.list();
        const lifted = rules.filter((r) => r.untilRestart).map((r) => r.id);
        if (lifted.length) {
          repo.removeMany(lifted);
          log('info', `rules: lifted ${lifted.length} until-restart rule(s)`);
          reload();
        }
        dropExpired();
        offset = clockOffset(clock);
        await refreshScopes();
        await refreshHosts(true);
        await applyDesired();
        interval = setInterval(() => {
          void reconcile().catch((err: unknown) => log('error', `rules: reconcile failed: ${err instanceof Error ? err.message : String(err)}`));
        }, reconcileMs);
        interval.unref();
      }),

    stop: async () => {
      running = false;
      if (interval) clearInterval(interval);
      if (wake) clearTimeout(wake);
      interval = null;
      wake = null;
      await queue;
    },
  };
  return service;
}
