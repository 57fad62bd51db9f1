import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import type { FirewallBackendName, FirewallStatus } from '../shared/types';
import { createCgroupScope, type AppScopeAnswer, type CgroupScope } from './app-scope';
import { errorText, makeStatus, type ReconcileResult } from './applied';
import { parseDesiredState, stateKey } from './desired-state-schema';
import { execFileRunner, firstLine, type Runner } from './runner';
import { withPrivateFile } from './temp-file';

// The backend an unprivileged engine uses: it writes the DesiredState document to a 0600 file of its
// own and asks `pkexec` to run the privileged helper on it (`outflow-helper apply <file>`), which
// validates it again, applies it and prints the AppliedState it read back from the kernel.
//
// How the helper is found:
//   - Installed (deb): /opt/Outflow/resources/linux/outflow-helper, a root-owned launcher that runs
//     the packaged runtime as Node on `/opt/Outflow/resources/app.asar.unpacked/dist/electron/firewall/helper/main.js`
//     (pkexec clears the environment, so the launcher sets ELECTRON_RUN_AS_NODE itself). The polkit
//     action `org.outflow.helper.apply` (assets/linux/org.outflow.helper.policy) names exactly that
//     path, so the prompt says what is asked, and `auth_admin_keep` keeps it from repeating for a
//     few minutes. The app starts it as `pkexec /opt/Outflow/resources/linux/outflow-helper apply <file>`.
//   - From a checkout (plain Node, not Electron): `pkexec <node> <repo>/dist/electron/firewall/helper/main.js`.
//
// Reconcile without root cannot read the kernel, so it re-applies when the desired state changed and
// otherwise reports what the helper read back at the last apply; with `verify` set it runs
// `outflow-helper status` each time (for setups whose polkit rules allow that without a prompt).

export const INSTALLED_HELPER = '/opt/Outflow/resources/linux/outflow-helper';

export interface HelperBackendOptions {
  /** argv that starts the helper as root, without the subcommand: e.g. ['pkexec', INSTALLED_HELPER]. */
  command: readonly string[];
  runner?: Runner;
  now?: () => number;
  tmpDir?: string;
  cgroups?: CgroupScope;
  verify?: boolean;
}

/** The helper command for this installation, or null when there is none. */
export function defaultHelperCommand(opts: { pkexec?: string; distRoot?: string } = {}): string[] | null {
  const pkexec = opts.pkexec ?? 'pkexec';
  if (existsSync(INSTALLED_HELPER)) return [pkexec, INSTALLED_HELPER];
  // Packaged elsewhere (e.g. an unpacked build): the launcher next to the app's resources. The
  // shipped polkit action only covers the /opt path, so polkit's default (admin, every time) applies.
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, 'linux', 'outflow-helper'))) return [pkexec, join(resources, 'linux', 'outflow-helper')];
  const script = join(opts.distRoot ?? join(__dirname, '..', '..'), 'electron', 'firewall', 'helper', 'main.js');
  // Under Electron the binary only acts as Node with ELECTRON_RUN_AS_NODE, which pkexec would drop.
  if (!process.versions.electron && existsSync(script)) return [pkexec, process.execPath, script];
  return null;
}

interface HelperReply {
  ok: boolean;
  backend?: string;
  status?: FirewallStatus;
  hits?: Record<string, number>;
  present?: boolean;
  error?: string;
}

function parseReply(stdout: string): HelperReply | null {
  const line = stdout.trim().split('\n').pop();
  if (!line) return null;
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== 'object' || v === null || typeof (v as HelperReply).ok !== 'boolean') return null;
    return v as HelperReply;
  } catch {
    return null;
  }
}

function hitsFrom(obj: Record<string, number> | undefined): Map<number, number> {
  const hits = new Map<number, number>();
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (/^[0-9]{1,16}$/.test(k) && Number.isSafeInteger(v) && v >= 0) hits.set(Number(k), v);
  }
  return hits;
}

export interface HelperBackend extends FirewallBackend {
  reconcile(state: DesiredState, repair: boolean): Promise<ReconcileResult>;
}

export function createHelperBackend(opts: HelperBackendOptions): HelperBackend {
  if (opts.command.length === 0) throw new Error('createHelperBackend: empty helper command');
  const runner = opts.runner ?? execFileRunner;
  const now = opts.now ?? Date.now;
  const cgroups = opts.cgroups ?? createCgroupScope();
  const [cmd, ...prefix] = opts.command as [string, ...string[]];
  let name: FirewallBackendName = 'nftables';
  let last: { key: string; result: AppliedState } | null = null;

  const notEnforcing = async (reason: string): Promise<AppliedState> => ({
    status: makeStatus({ backend: name, state: 'not-enforcing', reason, held: [], at: now(), appScope: await cgroups.capability() }),
    hits: new Map(),
  });

  const apply = async (state: DesiredState): Promise<AppliedState> => {
    const doc = parseDesiredState(state);
    let r;
    try {
      r = await withPrivateFile(JSON.stringify(doc), 'desired-state.json', (file) => runner(cmd, [...prefix, 'apply', file]), opts.tmpDir);
    } catch (err) {
      last = null;
      return notEnforcing(`cannot start the privileged helper: ${errorText(err)}`);
    }
    if (r.code === 126 || r.code === 127) {
      last = null;
      return notEnforcing(`administrator authorisation was refused or cancelled (pkexec exit ${r.code}); rules are saved but not enforced`);
    }
    const reply = parseReply(r.stdout);
    if (!reply || !reply.ok || !reply.status) {
      last = null;
      return notEnforcing(`the privileged helper failed: ${reply?.error ?? firstLine(r)}`);
    }
    if (reply.backend === 'nftables' || reply.backend === 'iptables') name = reply.backend;
    const result: AppliedState = { status: { ...reply.status, backend: name, lastReconcileAt: now() }, hits: hitsFrom(reply.hits) };
    last = { key: stateKey(doc), result };
    return result;
  };

  const reconcile = async (state: DesiredState, repair: boolean): Promise<ReconcileResult> => {
    const doc = parseDesiredState(state);
    const key = stateKey(doc);
    if (!last || last.key !== key) {
      if (!repair) return { ...(await notEnforcing('the desired rules have not been applied yet')), drift: ['not applied'], repaired: false };
      const result = await apply(doc);
      return { ...result, drift: ['desired rules changed since the last apply'], repaired: result.status.state === 'enforcing' };
    }
    if (opts.verify) {
      try {
        const r = await runner(cmd, [...prefix, 'status']);
        const reply = parseReply(r.stdout);
        if (reply?.ok) {
          const hits = hitsFrom(reply.hits);
          const missing = [...last.result.hits.keys()].filter((id) => !hits.has(id));
          if (!reply.present || missing.length > 0) {
            const drift = [reply.present ? `rules ${missing.join(', ')} are missing from the kernel` : 'the Outflow table is missing'];
            if (repair) {
              const result = await apply(doc);
              return { ...result, drift, repaired: result.status.state === 'enforcing' };
            }
            return { ...(await notEnforcing(drift[0]!)), drift, repaired: false };
          }
          last.result = { ...last.result, hits: new Map([...last.result.hits.keys()].map((id) => [id, hits.get(id) ?? 0])) };
        }
      } catch {
        /* keep the last known state */
      }
    }
    return { status: { ...last.result.status, lastReconcileAt: now() }, hits: last.result.hits, drift: [], repaired: false };
  };

  const clear = async (): Promise<void> => {
    const r = await runner(cmd, [...prefix, 'clear']);
    if (r.code !== 0) throw new Error(`the privileged helper could not clear the rules: ${parseReply(r.stdout)?.error ?? firstLine(r)}`);
    last = null;
  };

  const appScope = (appPath: string, pids: number[]): Promise<AppScopeAnswer> => cgroups.scopeFor(appPath, pids);

  return {
    get name() {
      return name;
    },
    apply,
    reconcile,
    clear,
    appScope,
  };
}
