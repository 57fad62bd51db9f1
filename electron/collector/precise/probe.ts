// Can precise mode run here? Each missing piece comes back as a reason with its fix, and the last
// word belongs to a trial: the real program is compiled and attached once, then exits.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { buildPreciseProgram, FILENAME_CHUNK } from './program';
import { bpftraceEnv, bpftraceVersion, DEFAULT_MAP_KEYS, DEFAULT_RING_PAGES, ensureTracefs, run } from './system';

export interface PreciseProbeResult {
  available: boolean;
  reasons: string[];
  fixes: string[];
  /** What was found or done that is not a problem (e.g. "mounted tracefs"). */
  notes: string[];
}

export interface PreciseProbeOptions {
  bpftrace?: string;
  /** Attach the real program once (a few seconds). Default true. */
  trial?: boolean;
}

const TRACEPOINTS = [
  'sock/sock_send_length',
  'sock/sock_recv_length',
  'sched/sched_process_exec',
  'sched/sched_process_exit',
  'syscalls/sys_enter_sendto',
  'syscalls/sys_enter_recvmsg',
];

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function memlockSoftLimit(): string | null {
  try {
    const m = /^Max locked memory\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

function lockdownMode(): string | null {
  try {
    const m = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/security/lockdown', 'utf8'));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

export async function probePrecise(opts: PreciseProbeOptions = {}): Promise<PreciseProbeResult> {
  const bpftrace = opts.bpftrace ?? 'bpftrace';
  const reasons: string[] = [];
  const fixes: string[] = [];
  const notes: string[] = [];
  const fail = (reason: string, fix: string): void => {
    reasons.push(reason);
    fixes.push(fix);
  };

  if (process.platform !== 'linux') {
    fail(`precise mode uses Linux kernel tracepoints; this is ${process.platform}`, 'none: polling mode is used on this system');
    return { available: false, reasons, fixes, notes };
  }

  const v = await bpftraceVersion(bpftrace);
  if (!v.version) fail(`bpftrace is not usable: ${v.error}`, 'install bpftrace (Debian/Ubuntu: apt-get install bpftrace; Fedora: dnf install bpftrace)');
  else notes.push(`bpftrace ${v.version.join('.')} (tested with 0.17)`);

  if (process.geteuid?.() !== 0) {
    fail('bpftrace must run as root', 'run `outflow serve` as root (e.g. a systemd service) to enable precise mode');
  }

  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    fail('the kernel exposes no BTF type information (/sys/kernel/btf/vmlinux)', 'use a kernel built with CONFIG_DEBUG_INFO_BTF=y (the default on Debian 11+, Ubuntu 20.10+, Fedora)');
  }

  const tracefs = process.geteuid?.() === 0 ? await ensureTracefs() : { path: null, mounted: false, error: null };
  if (tracefs.mounted) notes.push(`mounted tracefs at ${tracefs.path}`);
  if (tracefs.path) {
    const missing = TRACEPOINTS.filter((tp) => !existsSync(join(tracefs.path!, 'events', tp)));
    if (missing.length > 0) {
      fail(`kernel tracepoints missing: ${missing.join(', ')}`, 'use a kernel with CONFIG_FTRACE_SYSCALLS and the sock tracepoints (Linux 5.x+ distribution kernels have them)');
    }
  } else if (tracefs.error) {
    fail(`tracefs is not available: ${tracefs.error}`, 'mount -t tracefs nodev /sys/kernel/tracing (as root)');
  }

  if (!kernelAtLeast(6, 5)) {
    notes.push('sendfile()/splice() uploads bypass sock_sendmsg before Linux 6.5 and are not counted on this kernel');
  }
  notes.push('not counted: bytes read with splice() from a TCP socket, MPTCP sockets; io_uring sends to unconnected UDP sockets are counted without their peer');

  const lockdown = lockdownMode();
  if (lockdown === 'confidentiality') {
    fail('kernel lockdown (confidentiality) forbids reading kernel memory from BPF', 'boot with lockdown=integrity or without lockdown');
  }

  const memlock = memlockSoftLimit();
  if (kernelAtLeast(5, 11)) {
    notes.push(`BPF memory is charged to the memory cgroup on this kernel; the memlock limit (${memlock ?? 'unknown'} bytes) does not apply`);
  } else if (memlock !== 'unlimited') {
    fail(`locked-memory limit is ${memlock ?? 'unknown'} bytes and this kernel (${release()}) charges BPF maps to it`, 'raise it: LimitMEMLOCK=infinity in the service unit, or ulimit -l unlimited');
  }

  if (reasons.length === 0 && opts.trial !== false) {
    const program = buildPreciseProgram({ intervalMs: 1000, trial: true });
    const r = await run(bpftrace, ['-f', 'json', '-e', program], 90_000, bpftraceEnv(DEFAULT_MAP_KEYS, DEFAULT_RING_PAGES));
    if (r.code !== 0 || !r.stdout.includes('"attached_probes"')) {
      const why = r.stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !/RLIMIT_MEMLOCK/.test(l))
        .slice(0, 6)
        .join(' | ');
      fail(`bpftrace could not load the precise program: ${why || r.error || 'no message'}`, 'check `dmesg` and that the kernel allows BPF tracing programs');
    } else {
      notes.push(`trial attach succeeded (string size ${FILENAME_CHUNK})`);
    }
  }

  return { available: reasons.length === 0, reasons, fixes, notes };
}
