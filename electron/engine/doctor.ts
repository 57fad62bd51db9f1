import { execFile } from 'node:child_process';
import si from 'systeminformation';
import { accessSync, constants, existsSync, readlinkSync } from 'node:fs';
import type { DoctorCheck } from '../shared/types';
import type { DoctorProbe } from './ports';
import { probePrecise } from '../collector/precise/probe';
import { loadSockDiag } from '../collector/sockdiag';

// `outflow doctor`: what works on this machine, each line with the fix. Probes run the real tools
// (argv only) and read the real files; nothing is assumed from the platform name alone.

type Run = (cmd: string, args: string[]) => Promise<{ ok: boolean; out: string }>;

const run: Run = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() });
    });
  });

export interface DoctorOptions {
  dbPath: string;
  platform?: NodeJS.Platform;
  runner?: Run;
  /** Extra lines from live components (collector notes, firewall status). */
  extra?: () => DoctorCheck[];
}

export function createDoctor(o: DoctorOptions): DoctorProbe {
  const platform = o.platform ?? process.platform;
  const exec = o.runner ?? run;
  const tool = async (name: string, cmd: string, args: string[], fix: string): Promise<DoctorCheck> => {
    const r = await exec(cmd, args);
    return { name, ok: r.ok, detail: r.ok ? firstLine(r.out) || 'present' : `not usable: ${firstLine(r.out) || 'not found'}`, fix: r.ok ? null : fix };
  };
  return {
    async run() {
      const checks: DoctorCheck[] = [await systemCheck()];
      const root = process.getuid?.() === 0;
      checks.push({
        name: 'privileges',
        ok: root,
        detail: root ? 'running as root' : 'running as an ordinary user',
        fix: root ? null : 'firewall changes go through the privileged helper (pkexec); run as root for precise mode',
      });
      checks.push(databaseCheck(o.dbPath));
      if (platform === 'linux') {
        checks.push(await tool('ss', 'ss', ['-V'], 'apt-get install iproute2'));
        checks.push(sockDiagCheck());
        checks.push(procCheck(root));
        checks.push(await tool('nft', 'nft', ['--version'], 'apt-get install nftables (blocking on Linux)'));
        checks.push(await tool('conntrack', 'conntrack', ['--version'], 'apt-get install conntrack (UDP byte counts)'));
        checks.push(await tool('bpftrace', 'bpftrace', ['--version'], 'apt-get install bpftrace (precise mode)'));
        checks.push({
          name: 'btf',
          ok: existsSync('/sys/kernel/btf/vmlinux'),
          detail: existsSync('/sys/kernel/btf/vmlinux') ? 'kernel BTF present' : 'no /sys/kernel/btf/vmlinux',
          fix: existsSync('/sys/kernel/btf/vmlinux') ? null : 'precise mode needs a kernel built with CONFIG_DEBUG_INFO_BTF',
        });
        const precise = await probePrecise({ trial: false });
        checks.push({
          name: 'precise mode',
          ok: precise.available,
          detail: precise.available ? 'available: exact bytes per process from kernel tracepoints (used by `outflow serve` as root)' : `unavailable: ${precise.reasons.join('; ')}`,
          fix: precise.available ? null : precise.fixes.join('; ') || null,
        });
        checks.push(
          root
            ? { name: 'pkexec', ok: true, detail: 'not needed: running as root, the firewall is applied directly', fix: null }
            : await tool('pkexec', 'pkexec', ['--version'], 'apt-get install pkexec (privileged helper for blocking without root)'),
        );
      } else if (platform === 'darwin') {
        checks.push(await tool('lsof', 'lsof', ['-v'], 'lsof ships with macOS; check PATH'));
        checks.push(await tool('nettop', 'nettop', ['-h'], 'nettop ships with macOS; check PATH'));
        checks.push(await tool('pfctl', 'pfctl', ['-s', 'info'], 'blocking needs the privileged helper (pf)'));
      } else if (platform === 'win32') {
        checks.push(await tool('powershell', 'powershell.exe', ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()'], 'Windows PowerShell is required'));
      } else {
        checks.push({ name: 'platform', ok: false, detail: `${platform} has no collector`, fix: 'Outflow supports Linux, macOS and Windows' });
      }
      return [...checks, ...(o.extra?.() ?? [])];
    },
  };
}

/** What this machine is, for bug reports (systeminformation reads it once, off the poll path). */
async function systemCheck(): Promise<DoctorCheck> {
  try {
    const os = await si.osInfo();
    return { name: 'system', ok: true, detail: `${os.distro} ${os.release}, kernel ${os.kernel}, ${os.arch}`.replace(/\s+/g, ' ').trim(), fix: null };
  } catch (err) {
    return { name: 'system', ok: false, detail: `could not read the OS description: ${(err as Error).message}`, fix: null };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}

function databaseCheck(path: string): DoctorCheck {
  const dir = path.replace(/[/\\][^/\\]*$/, '') || '.';
  try {
    accessSync(existsSync(path) ? path : dir, constants.W_OK);
    return { name: 'database', ok: true, detail: path, fix: null };
  } catch {
    return { name: 'database', ok: false, detail: `${path} is not writable`, fix: 'choose another place with --db PATH or OUTFLOW_DB' };
  }
}

function procCheck(root: boolean): DoctorCheck {
  if (root) return { name: '/proc', ok: true, detail: 'running as root: every process executable is readable', fix: null };
  try {
    readlinkSync('/proc/1/exe');
    return { name: '/proc', ok: true, detail: 'can read every process executable', fix: null };
  } catch {
    return {
      name: '/proc',
      ok: false,
      detail: "other users' processes are shown without their executable",
      fix: 'run as root (or grant CAP_SYS_PTRACE) to attribute every process',
    };
  }
}

/** Whether socket listings come straight from the kernel or from forking ss each tick (more CPU). */
function sockDiagCheck(): DoctorCheck {
  const { diag, reason } = loadSockDiag();
  return diag
    ? { name: 'sock_diag', ok: true, detail: 'socket listings come straight from the kernel (no ss fork per tick)', fix: null }
    : { name: 'sock_diag', ok: false, detail: `listing sockets with ss each tick: ${reason}`, fix: 'npm run build (needs python3, make and a C compiler)' };
}
