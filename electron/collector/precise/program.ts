// The bpftrace program of precise mode, generated as a string so it ships inside dist/.
//
// Why it looks like this:
// - Only stable tracepoints (sock:sock_send_length / sock_recv_length fire inside sock_sendmsg /
//   sock_recvmsg in the caller's context, so `pid` is the process that moved the bytes; sendfile and
//   splice *to* a socket go through sock_sendmsg since Linux 6.5 and are counted too).
// - Bytes are summed in the kernel in per-CPU maps keyed by (pid, process start, direction, proto,
//   family, ports, addresses) — nothing is printed per packet.
// - Three map generations rotate once per interval: writers use @t<gen>; the interval probe flips @gen
//   and prints the generation just retired; one interval later it clears it (and, only if a writer
//   flagged in @r<gen> that it raced the flip, prints it once more first). Node reports every print as
//   `value - already reported`, so no byte falls between a print and a clear, and a cleared map is
//   written again only one full interval after its clear was queued.
// - @n<gen>[dir] sums the same bytes under a fixed key: if a full @t map refused an update, Node sees
//   totals larger than the rows and reports the difference as dropped bytes — never silent.
// - Unconnected UDP has no peer on the socket: the peer comes from the sockaddr the caller passed to
//   sendto/sendmsg/sendmmsg (read at sock_send_length, still inside the syscall) and, for receives,
//   from the sockaddr the kernel writes back (read when the datagram's syscall returns, or at the next
//   datagram of a recvmmsg batch).
// - Identity: exec (sched_process_exec) and exit (sched_process_exit) are printed with the kernel's
//   start_boottime, which is exactly what /proc/<pid>/stat field 22 reports (in ns instead of ticks),
//   and the executable's (device, inode), which names the binary of a process that never exec'd while
//   traced (a forked child, or one started before tracing) by matching a file seen elsewhere.

export const GENERATIONS = 3;
/** Bytes of exec filename per printed chunk; equals BPFTRACE_STRLEN (bpftrace 0.17's maximum). */
export const FILENAME_CHUNK = 200;
/** Chunks printed at most: paths up to 799 bytes are reported whole; a longer one leaves the executable unknown (never a cut path). */
export const FILENAME_CHUNKS = 4;

export const DIR_OUT = 1;
export const DIR_IN = 2;

export interface PreciseProgramOptions {
  /** How often the kernel maps are printed, in ms (integer, 100..60000). */
  intervalMs: number;
  /** Exit right after attaching (the capability probe's trial run). */
  trial?: boolean;
}

export function buildPreciseProgram(opts: PreciseProgramOptions): string {
  const interval = opts.intervalMs;
  if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) {
    throw new RangeError('intervalMs must be an integer between 100 and 60000');
  }
  return [
    beginProbe(opts.trial === true),
    syscallProbes(),
    sendProbe(),
    recvProbe(),
    identityProbes(),
    intervalProbe(interval),
    endProbe(),
  ].join('\n\n');
}

// bpftrace types a map at its first use in program order; the per-thread maps are read before they
// are written in some probes, so BEGIN gives each its type once.
const THREAD_MAPS = ['@sn', '@smm', '@smi', '@rn', '@rmm', '@rmi', '@rps', '@rpl', '@rpp'];

function beginProbe(trial: boolean): string {
  const typed = THREAD_MAPS.map((m) => `${m}[0] = (uint64)0; delete(${m}[0]);`).join(' ');
  const raced = Array.from({ length: GENERATIONS }, (_, g) => `@r${g} = 0;`).join(' ');
  return `BEGIN { @gen = (uint64)0; @seq = (uint64)0; ${raced} ${typed} printf("B\\n");${trial ? ' exit();' : ''} }`;
}

/**
 * Local side and (if connected) peer of `sk`, into $<p>fam, $<p>lport, $<p>rport, $<p>l0.., $<p>r0...
 * Both ports in wire order. The local port is inet_sport, not skc_num: TCP clears skc_num when the
 * socket leaves the hash (FIN received, TIME_WAIT took over) while the application may still be
 * reading data that arrived before — those bytes must keep their socket's port.
 */
function socketTuple(p: string, sk: string): string {
  const c = `${sk}->__sk_common`;
  return `
  $${p}fam = ${c}.skc_family;
  $${p}lport = (uint64)((struct inet_sock *)${sk})->inet_sport;
  $${p}rport = (uint64)${c}.skc_dport;
  $${p}l0 = (uint64)0; $${p}l1 = (uint64)0; $${p}r0 = (uint64)0; $${p}r1 = (uint64)0;
  if ($${p}fam == 2) {
    $${p}l0 = (uint64)${c}.skc_rcv_saddr;
    $${p}r0 = (uint64)${c}.skc_daddr;
  } else {
    $${p}l0 = ((uint64)${c}.skc_v6_rcv_saddr.in6_u.u6_addr32[0] << 32) | (uint64)${c}.skc_v6_rcv_saddr.in6_u.u6_addr32[1];
    $${p}l1 = ((uint64)${c}.skc_v6_rcv_saddr.in6_u.u6_addr32[2] << 32) | (uint64)${c}.skc_v6_rcv_saddr.in6_u.u6_addr32[3];
    $${p}r0 = ((uint64)${c}.skc_v6_daddr.in6_u.u6_addr32[0] << 32) | (uint64)${c}.skc_v6_daddr.in6_u.u6_addr32[1];
    $${p}r1 = ((uint64)${c}.skc_v6_daddr.in6_u.u6_addr32[2] << 32) | (uint64)${c}.skc_v6_daddr.in6_u.u6_addr32[3];
  }`;
}

/**
 * Peer from a user-space sockaddr at $<p>sa. An AF_INET address on an AF_INET6 socket is stored
 * v4-mapped so the key's family describes both ends.
 */
function peerFromSockaddr(p: string): string {
  const sa = `$${p}sa`;
  return `
    $${p}saf = *(uint16 *)uptr(${sa});
    if ($${p}saf == 2) {
      $${p}rport = (uint64)*(uint16 *)uptr(${sa} + 2);
      if ($${p}fam == 2) {
        $${p}r0 = (uint64)*(uint32 *)uptr(${sa} + 4);
      } else {
        $${p}r0 = (uint64)0;
        $${p}r1 = ((uint64)0xffff0000 << 32) | (uint64)*(uint32 *)uptr(${sa} + 4);
      }
    } else if ($${p}saf == 10) {
      $${p}rport = (uint64)*(uint16 *)uptr(${sa} + 2);
      $${p}r0 = ((uint64)*(uint32 *)uptr(${sa} + 8) << 32) | (uint64)*(uint32 *)uptr(${sa} + 12);
      $${p}r1 = ((uint64)*(uint32 *)uptr(${sa} + 16) << 32) | (uint64)*(uint32 *)uptr(${sa} + 20);
    }`;
}

/** Adds `len` bytes in direction `dir` for the tuple in $<p>* to the current generation. */
function account(p: string, dir: number, proto: string, len: string): string {
  const key = `pid, $${p}st, $${p}meta, $${p}l0, $${p}l1, $${p}r0, $${p}r1`;
  const branches: string[] = [];
  for (let g = 0; g < GENERATIONS; g++) {
    const head = g === 0 ? `if ($${p}g == 0)` : g === GENERATIONS - 1 ? 'else' : `else if ($${p}g == ${g})`;
    // Re-reading @gen after the update tells whether the interval probe flipped it meanwhile; only
    // then can this update have missed the generation's first print, and only then is it printed again.
    branches.push(
      `${head} { @t${g}[${key}] = sum((uint64)${len}); @n${g}[${dir}] = sum((uint64)${len}); if (@gen != ${g}) { @r${g} = 1; } }`,
    );
  }
  return `
    $${p}st = curtask->group_leader->start_boottime;
    $${p}meta = (uint64)${dir} | ((uint64)${proto} << 8) | ((uint64)$${p}fam << 16) | ($${p}lport << 24) | ($${p}rport << 40);
    $${p}g = @gen;
    ${branches.join('\n    ')}`;
}

/** Index into a (send|recv)mmsg batch: the msg_name of the next message, advancing the index. */
function mmsgName(p: string, base: string, idx: string): string {
  return `
      $${p}mm = ${base}[tid];
      if ($${p}mm != 0) {
        $${p}i = ${idx}[tid];
        $${p}sa = *(uint64 *)uptr($${p}mm + $${p}i * 64);
        ${idx}[tid] = $${p}i + 1;
      }`;
}

const INET = '(args->family == 2 || args->family == 10) && (args->protocol == 6 || args->protocol == 17)';

function sendProbe(): string {
  return `tracepoint:sock:sock_send_length /${INET} && args->ret >= 0/
{
  $sk = (struct sock *)args->sk;${socketTuple('', '$sk')}
  if (args->protocol == 17 && $r0 == 0 && $r1 == 0) {
    $sa = @sn[tid];
    if ($sa == 0) {${mmsgName('', '@smm', '@smi')}
    }
    if ($sa != 0) {${peerFromSockaddr('')}
    }
  }
  if (args->ret > 0) {${account('', DIR_OUT, 'args->protocol', 'args->ret')}
  }
}`;
}

/** Accounts the datagram parked in @rp* for this thread (its sender address is now in user memory). */
function flushPendingRecv(): string {
  return `
    $qsk = (struct sock *)@rps[tid];${socketTuple('q', '$qsk')}
    $qsa = @rpp[tid];${peerFromSockaddr('q')}
    $qlen = @rpl[tid];${account('q', DIR_IN, '17', '$qlen')}
    delete(@rps[tid]); delete(@rpl[tid]); delete(@rpp[tid]);`;
}

function recvProbe(): string {
  // MSG_PEEK (flags & 2) reads without consuming: the same bytes come again.
  return `tracepoint:sock:sock_recv_length /${INET} && args->ret >= 0 && (args->flags & 2) == 0/
{
  $sk = (struct sock *)args->sk;${socketTuple('', '$sk')}
  $sa = (uint64)0;
  if (args->protocol == 17 && $r0 == 0 && $r1 == 0) {
    $sa = @rn[tid];
    if ($sa == 0) {${mmsgName('', '@rmm', '@rmi')}
    }
  }
  if ($sa != 0) {
    if (@rpl[tid] != 0) {${flushPendingRecv()}
    }
    if (args->ret > 0) { @rps[tid] = (uint64)$sk; @rpl[tid] = (uint64)args->ret; @rpp[tid] = $sa; }
  } else if (args->ret > 0) {${account('', DIR_IN, 'args->protocol', 'args->ret')}
  }
}`;
}

function syscallProbes(): string {
  return `tracepoint:syscalls:sys_enter_sendto /args->addr != 0/ { @sn[tid] = (uint64)args->addr; }
tracepoint:syscalls:sys_enter_sendmsg { $n = *(uint64 *)uptr(args->msg); if ($n != 0) { @sn[tid] = $n; } }
tracepoint:syscalls:sys_enter_sendmmsg { @smm[tid] = (uint64)args->mmsg; @smi[tid] = (uint64)0; }
tracepoint:syscalls:sys_exit_sendto, tracepoint:syscalls:sys_exit_sendmsg /@sn[tid] != 0/ { delete(@sn[tid]); }
tracepoint:syscalls:sys_exit_sendmmsg /@smm[tid] != 0/ { delete(@smm[tid]); delete(@smi[tid]); }

tracepoint:syscalls:sys_enter_recvfrom /args->addr != 0/ { @rn[tid] = (uint64)args->addr; }
tracepoint:syscalls:sys_enter_recvmsg { $n = *(uint64 *)uptr(args->msg); if ($n != 0) { @rn[tid] = $n; } }
tracepoint:syscalls:sys_enter_recvmmsg { @rmm[tid] = (uint64)args->mmsg; @rmi[tid] = (uint64)0; }
tracepoint:syscalls:sys_exit_recvfrom, tracepoint:syscalls:sys_exit_recvmsg, tracepoint:syscalls:sys_exit_recvmmsg
{
  if (@rpl[tid] != 0) {${flushPendingRecv()}
  }
  if (@rn[tid] != 0) { delete(@rn[tid]); }
  if (@rmm[tid] != 0) { delete(@rmm[tid]); delete(@rmi[tid]); }
}`;
}

function identityProbes(): string {
  // %r escapes non-printable bytes as \\xNN, so a tab or newline in a name cannot break the record.
  // The filename goes in its own probe: a 200-byte buffer and its printf copy leave no room on the
  // 512-byte BPF stack for the rest. Both probes run, in this order, on the exec'ing CPU.
  const chunks: string[] = [];
  let close = '';
  for (let i = 1; i < FILENAME_CHUNKS; i++) {
    const at = i * FILENAME_CHUNK;
    chunks.push(
      `if (*(uint8 *)($f + ${at - 1}) != 0) { printf("F\\t%d\\t%llu\\t${i}\\t%r\\n", pid, $st, buf($f + ${at}, ${FILENAME_CHUNK}));`,
    );
    close += ' }';
  }
  return `tracepoint:sched:sched_process_exec
{
  $t = curtask;
  $i = (struct inode *)$t->mm->exe_file->f_inode;
  printf("E\\t%d\\t%llu\\t%d\\t%llu\\t%d\\t%u\\t%llu\\t%r\\n", pid, $t->group_leader->start_boottime, $t->real_parent->tgid, $t->real_parent->group_leader->start_boottime, uid,
    ((struct super_block *)$i->i_sb)->s_dev, $i->i_ino, buf($t->group_leader->comm, 16));
}

tracepoint:sched:sched_process_exec
{
  $st = curtask->group_leader->start_boottime;
  $f = (uint64)args->filename;
  printf("F\\t%d\\t%llu\\t0\\t%r\\n", pid, $st, buf($f, ${FILENAME_CHUNK}));
  ${chunks.join('\n  ')}${close}
}

tracepoint:sched:sched_process_exit /pid == tid/
{
  $t = curtask;
  $i = (struct inode *)$t->mm->exe_file->f_inode;
  printf("X\\t%d\\t%llu\\t%d\\t%llu\\t%d\\t%u\\t%llu\\t%r\\n", pid, $t->start_boottime, $t->real_parent->tgid, $t->real_parent->group_leader->start_boottime, uid,
    ((struct super_block *)$i->i_sb)->s_dev, $i->i_ino, buf($t->comm, 16));
}`;
}

function intervalProbe(intervalMs: number): string {
  const cases: string[] = [];
  for (let g = 0; g < GENERATIONS; g++) {
    const prev = (g + GENERATIONS - 1) % GENERATIONS;
    const head = g === 0 ? 'if ($old == 0)' : g === GENERATIONS - 1 ? 'else' : `else if ($old == ${g})`;
    cases.push(
      `${head} { print(@t${g}); print(@n${g}); if (@r${prev}) { print(@t${prev}); print(@n${prev}); } clear(@t${prev}); clear(@n${prev}); @r${prev} = 0; }`,
    );
  }
  return `interval:ms:${intervalMs}
{
  $old = @gen;
  @gen = ($old + 1) % (uint64)${GENERATIONS};
  @seq = @seq + 1;
  printf("T\\t%d\\t%d\\n", @seq, $old);
  ${cases.join('\n  ')}
  printf("U\\t%d\\n", @seq);
}`;
}

function endProbe(): string {
  const prints: string[] = [];
  const clears: string[] = [];
  for (let g = 0; g < GENERATIONS; g++) {
    prints.push(`print(@t${g}); print(@n${g});`);
    clears.push(`clear(@t${g}); clear(@n${g}); clear(@r${g});`);
  }
  // Everything still counted is final now; clearing afterwards keeps bpftrace's exit dump to bytes
  // that raced this probe (Node counts those too).
  return `END
{
  printf("Z\\t%d\\n", @gen);
  ${prints.join(' ')}
  ${clears.join(' ')}
  ${THREAD_MAPS.map((m) => `clear(${m});`).join(' ')}
  clear(@gen); clear(@seq);
  printf("z\\n");
}`;
}
