import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CGROUP_PATH_RE } from './desired-state-schema';

// Per-app scope on Linux: a rule can be limited to one app only when that app runs in a cgroup v2 of
// its own (a systemd scope such as app-firefox-1234.scope), because the firewall matches the cgroup a
// socket was created in (nft `socket cgroupv2`, iptables `-m cgroup --path`), not an executable.
// "Of its own" is checked, not assumed: every process in that cgroup and in all cgroups below it
// must run the same executable, otherwise a shared terminal session would be scoped along with it.
// When any check fails the rule applies to every app and the note says why.

export interface AppScopeAnswer {
  enforceable: boolean;
  /** cgroup v2 path relative to the hierarchy root, without a leading slash. */
  cgroup: string | null;
  note: string | null;
}

export interface CgroupScopeOptions {
  procRoot?: string;
  /** Where the cgroup v2 hierarchy is readable; default: found in /proc/self/mountinfo. */
  cgroupMount?: string | null;
  /**
   * nft resolves `socket cgroupv2` paths under /sys/fs/cgroup only, so with a hybrid hierarchy
   * (v2 mounted elsewhere) it cannot match. iptables' xt_cgroup resolves paths in the kernel and
   * does not care where v2 is mounted.
   */
  requireUnifiedAtSysFsCgroup?: boolean;
}

export interface CgroupScope {
  capability(): Promise<{ ok: boolean; note: string | null }>;
  scopeFor(appPath: string, pids: readonly number[]): Promise<AppScopeAnswer>;
}

const MAX_PIDS = 256;
const MAX_CGROUPS_WALKED = 256;
const MAX_DEPTH = 8;

/** Mount point of the cgroup v2 hierarchy from mountinfo text (first match), or null. */
export function findCgroup2Mount(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep === -1) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup2') continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    // mountinfo escapes spaces etc. as \040; such a mount point is not one we can use.
    if (mountPoint && !mountPoint.includes('\\')) return mountPoint;
  }
  return null;
}

/** The cgroup v2 path in /proc/<pid>/cgroup text ("0::/user.slice/…"), or null. */
export function unifiedCgroupOf(procCgroup: string): string | null {
  for (const line of procCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || null;
  }
  return null;
}

export function createCgroupScope(opts: CgroupScopeOptions = {}): CgroupScope {
  const procRoot = opts.procRoot ?? '/proc';
  const requireSys = opts.requireUnifiedAtSysFsCgroup ?? true;

  const mount = async (): Promise<string | null> => {
    if (opts.cgroupMount !== undefined) return opts.cgroupMount;
    try {
      return findCgroup2Mount(await readFile(join(procRoot, 'self/mountinfo'), 'utf8'));
    } catch {
      return null;
    }
  };

  const capability = async (): Promise<{ ok: boolean; note: string | null }> => {
    const m = await mount();
    if (!m) return { ok: false, note: 'cgroup v2 is not mounted, so rules cannot be limited to one app here; app rules apply to all apps' };
    if (requireSys && opts.cgroupMount === undefined && m !== '/sys/fs/cgroup') {
      return {
        ok: false,
        note: `cgroup v2 is mounted at ${m}, not /sys/fs/cgroup (a hybrid hierarchy), which nftables cannot match; app rules apply to all apps`,
      };
    }
    return { ok: true, note: null };
  };

  const exeOf = async (pid: number): Promise<string | null> => {
    try {
      return await readlink(join(procRoot, String(pid), 'exe'));
    } catch {
      return null;
    }
  };

  const scopeFor = async (appPath: string, pids: readonly number[]): Promise<AppScopeAnswer> => {
    const no = (note: string): AppScopeAnswer => ({ enforceable: false, cgroup: null, note });
    const cap = await capability();
    if (!cap.ok) return no(cap.note ?? 'per-app rules are not supported here');
    const root = (await mount())!;
    const running: number[] = [];
    for (const pid of pids.slice(0, MAX_PIDS)) {
      if (Number.isSafeInteger(pid) && pid > 0 && (await exeOf(pid)) === appPath) running.push(pid);
    }
    if (running.length === 0) return no('the app is not running, so its cgroup is unknown; the rule applies to all apps until it runs in a cgroup of its own');
    const paths = new Set<string>();
    for (const pid of running) {
      try {
        const path = unifiedCgroupOf(await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8'));
        if (path) paths.add(path);
      } catch {
        return no(`cannot read the cgroup of process ${pid}; the rule applies to all apps`);
      }
    }
    if (paths.size !== 1) return no('the app runs in several cgroups (or none); the rule applies to all apps');
    const path = [...paths][0]!;
    if (path === '/') return no('the app runs in the root cgroup, shared with everything else; the rule applies to all apps');
    const rel = path.replace(/^\/+/, '');
    if (!CGROUP_PATH_RE.test(rel) || rel.split('/').some((s) => s === '..' || s === '.')) {
      return no('the app\'s cgroup name has characters a firewall rule cannot carry; the rule applies to all apps');
    }
    // Uniqueness: walk the cgroup and its descendants (the match covers them too).
    const queue: { dir: string; depth: number }[] = [{ dir: join(root, rel), depth: 0 }];
    let walked = 0;
    while (queue.length) {
      const { dir, depth } = queue.shift()!;
      if (++walked > MAX_CGROUPS_WALKED) return no('the app\'s cgroup has too many sub-cgroups to check; the rule applies to all apps');
      let procs: string;
      try {
        procs = await readFile(join(dir, 'cgroup.procs'), 'utf8');
      } catch {
        return no(`cannot read ${join(dir, 'cgroup.procs')}; the rule applies to all apps`);
      }
      for (const line of procs.split('\n')) {
        if (!/^[0-9]+$/.test(line)) continue;
        const exe = await exeOf(Number(line));
        if (exe !== appPath) {
          return no(`the app shares its cgroup /${rel} with ${exe ?? `process ${line}`}; the rule applies to all apps`);
        }
      }
      if (depth >= MAX_DEPTH) continue;
      try {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) queue.push({ dir: join(dir, entry.name), depth: depth + 1 });
        }
      } catch {
        /* no children */
      }
    }
    return { enforceable: true, cgroup: rel, note: null };
  };

  return { capability, scopeFor };
}
