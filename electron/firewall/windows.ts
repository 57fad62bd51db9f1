// FirewallBackend for Windows Firewall. Outflow owns the rules of group "Outflow" and nothing else:
// every change is one run of the constant script in windows-script.ts, with the desired rules in a
// JSON document on stdin, and every run ends with a read-back of the ActiveStore (what Windows is
// enforcing right now, including policy merges) that decides the reported state.
//
// Per-app scope is native (-Program). What Windows Firewall cannot do for us:
//   - hit counters: rules have none; counting blocked connections needs "Audit Filtering Platform
//     Connection" auditing and reading event 5157 from the Security log. Not built, so hits are
//     left out (the rules list shows "unknown", never 0).
//   - exceptions to a block: a Block rule beats any Allow rule, so allow rules are not created
//     (windows-rules.ts), and default-deny would mean changing the profiles' DefaultOutboundAction,
//     which lives outside our group. Neither is done; both are reported in the status.
import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import type { EnforcementState, FirewallStatus } from '../shared/types';
import { describeFailure, type CommandRunner } from './pf-runner';
import { validateDesiredState, type NormalizedState } from './pf-validate';
import { describeWindowsDrift, diffWindows, enforcedIds, hasWindowsDrift, type WindowsDrift } from './windows-diff';
import { parseReadback, WindowsParseError, type WindowsReadback } from './windows-parse';
import { skippedAllowIds, windowsAppPath, windowsRuleSpecs, type WindowsRuleSpec } from './windows-rules';
import { buildDocument, DEFAULT_POWERSHELL, encodeDocument, powershellArgv, type WindowsMode } from './windows-script';

export const WINDOWS_HITS_NOTE =
  'Windows Firewall keeps no per-rule counters; blocked attempts would need Filtering Platform auditing (event 5157), which Outflow does not enable.';
export const WINDOWS_ALLOW_NOTE =
  'allow rules are not applied on Windows: a Windows Firewall block rule always wins over an allow rule, so an allow cannot make an exception to a block';
export const WINDOWS_DEFAULT_DENY_NOTE =
  "default-deny is not applied on Windows: it would change the firewall profiles' default outbound action, which Outflow leaves alone";

export interface WindowsBackendOptions {
  run: CommandRunner;
  /** Absolute path of Windows PowerShell 5.1 (not found through PATH: the helper runs elevated). */
  powershell?: string;
  timeoutMs?: number;
  now?: () => number;
}

export interface WindowsFirewallBackend extends FirewallBackend {
  /** Why `hits` is always empty here; the UI shows it next to "unknown". */
  readonly hitsNote: string;
}

type RunOutcome = { ok: true; readback: WindowsReadback } | { ok: false; error: string };

export function createWindowsBackend(opts: WindowsBackendOptions): WindowsFirewallBackend {
  const exe = opts.powershell ?? DEFAULT_POWERSHELL;
  const now = opts.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function runScript(mode: WindowsMode, specs: readonly WindowsRuleSpec[], replace: readonly string[] = []): Promise<RunOutcome> {
    const argv = powershellArgv();
    let r;
    try {
      r = await opts.run(exe, argv, { input: encodeDocument(buildDocument(mode, specs, replace)), timeoutMs: opts.timeoutMs ?? 120_000 });
    } catch (e) {
      return { ok: false, error: `cannot run ${exe}: ${e instanceof Error ? e.message : String(e)}` };
    }
    // Log the command without the script body: it is a constant and would drown the message.
    if (r.code !== 0) return { ok: false, error: describeFailure('powershell.exe', [`(outflow ${mode})`], r) };
    try {
      return { ok: true, readback: parseReadback(r.stdout) };
    } catch (e) {
      if (e instanceof WindowsParseError) return { ok: false, error: e.message };
      throw e;
    }
  }

  async function sync(state: DesiredState, mode: 'apply' | 'reconcile', repair: boolean): Promise<AppliedState> {
    const norm = validateDesiredState(state, windowsAppPath, now());
    const specs = windowsRuleSpecs(norm);
    const errors: string[] = [];
    let outcome = await runScript(mode === 'apply' ? 'apply' : 'read', specs);
    let drift = outcome.ok ? diffWindows(specs, outcome.readback.rules) : null;
    // Same Name, different filters: someone edited our rule. Only remove+create fixes that.
    if (outcome.ok && drift && (repair || mode === 'apply') && hasWindowsDrift(drift)) {
      outcome = await runScript('apply', specs, drift.changed.map((c) => c.spec.name));
      drift = outcome.ok ? diffWindows(specs, outcome.readback.rules) : null;
    }
    if (!outcome.ok) errors.push(outcome.error);
    return { status: status(norm, specs, outcome.ok ? outcome.readback : null, drift, errors, now()), hits: new Map() };
  }

  return {
    name: 'windows',
    hitsNote: WINDOWS_HITS_NOTE,
    apply: (state) => serial(() => sync(state, 'apply', true)),
    reconcile: (state, repair) => serial(() => sync(state, 'reconcile', repair)),
    clear: () =>
      serial(async () => {
        const outcome = await runScript('clear', []);
        if (!outcome.ok) throw new Error(`Windows Firewall clear: ${outcome.error}`);
        if (outcome.readback.rules.length > 0) {
          throw new Error(`Windows Firewall clear: ${outcome.readback.rules.length} rule(s) of group Outflow are still active (policy-managed?)`);
        }
      }),
    appScope: async (appPath) => {
      const why = windowsAppPath(appPath);
      return why ? { enforceable: false, cgroup: null, note: `Cannot scope a rule to ${appPath}: path ${why}` } : { enforceable: true, cgroup: null, note: null };
    },
  };
}

function status(
  norm: NormalizedState,
  specs: readonly WindowsRuleSpec[],
  readback: WindowsReadback | null,
  drift: WindowsDrift | null,
  errors: string[],
  at: number,
): FirewallStatus {
  const wanted = new Set(specs.map((s) => s.id));
  const enforced = drift ? enforcedIds(specs, drift) : new Set<number>();
  const ruleCount = [...wanted].filter((id) => enforced.has(id)).length;
  const reasons: string[] = [];
  let state: EnforcementState = 'enforcing';
  const worsen = (to: EnforcementState, why: string): void => {
    if (to === 'not-enforcing' || state === 'enforcing') state = to;
    reasons.push(why);
  };
  if (!readback || !drift) {
    worsen('not-enforcing', errors.join('; ') || 'could not read Windows Firewall');
  } else {
    const off = readback.profiles.filter((p) => !p.enabled).map((p) => p.name);
    if (wanted.size > 0 && readback.profiles.length > 0 && off.length === readback.profiles.length) {
      worsen('not-enforcing', 'Windows Firewall is turned off for every profile');
    } else if (wanted.size > 0 && off.length > 0) {
      worsen('degraded', `Windows Firewall is off for the ${off.join(', ')} profile(s); rules apply only where it is on`);
    }
    if (hasWindowsDrift(drift)) worsen(wanted.size > 0 && ruleCount === 0 ? 'not-enforcing' : 'degraded', describeWindowsDrift(drift));
    const allows = skippedAllowIds(norm);
    if (allows.length > 0) worsen('degraded', `${WINDOWS_ALLOW_NOTE} (rule${allows.length > 1 ? 's' : ''} ${allows.join(', ')})`);
    if (norm.defaultDeny) worsen('degraded', WINDOWS_DEFAULT_DENY_NOTE);
    if (state !== 'enforcing') reasons.push(...errors);
  }
  return {
    backend: 'windows',
    state,
    reason: state === 'enforcing' ? null : reasons.join('; '),
    ruleCount,
    lastReconcileAt: at,
    appScope: true,
    appScopeNote: null,
  };
}
