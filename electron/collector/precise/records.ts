// The program's printf records (one per line, tab-separated) decoded to typed values.
//   B                          probes attached, BEGIN ran
//   T seq old / U seq          an interval tick starts / ends; `old` is the generation just retired
//   Z live / z                 END starts (live = generation writers were using) / ends
//   E pid st ppid pst uid dev ino comm   exec; st/pst = start_boottime ns of the process / its
//                              parent; dev (kernel encoding) and ino of the executable
//   F pid st idx chunk         bytes idx*200.. of the exec filename (chunk 0 always, more while no NUL)
//   X pid st ppid pst uid dev ino comm        process exit (thread-group leader)
// Strings come through bpftrace's %r: printable ASCII as is, every other byte as \xNN.

export type PreciseRecord =
  | { kind: 'begin' }
  | { kind: 'tick'; seq: number; old: number }
  | { kind: 'tickEnd'; seq: number }
  | { kind: 'end'; live: number }
  | { kind: 'endDone' }
  | ({ kind: 'exec' } & ProcessEvent)
  | { kind: 'fileChunk'; pid: number; startNs: bigint; index: number; chunk: Buffer }
  | ({ kind: 'exit' } & ProcessEvent);

export interface ProcessEvent {
  pid: number;
  startNs: bigint;
  ppid: number;
  parentStartNs: bigint;
  uid: number;
  /** The executable's file as the kernel names it: userspace st_dev and st_ino; null when none (kernel thread). */
  file: { dev: number; ino: bigint } | null;
  comm: string;
}

/** Kernel dev_t (major << 20 | minor) to the glibc encoding `stat` reports. */
export function userDev(kdev: number): number {
  const major = Math.floor(kdev / 2 ** 20);
  const minor = kdev % 2 ** 20;
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor & 0xfff00) * 4096 + (major & 0xfffff000) * 2 ** 32;
}

const INT = /^\d{1,20}$/;

function int(text: string | undefined, max: number): number | null {
  if (text === undefined || !INT.test(text)) return null;
  const v = Number(text);
  return Number.isSafeInteger(v) && v <= max ? v : null;
}

function u64(text: string | undefined): bigint | null {
  if (text === undefined || !INT.test(text)) return null;
  const v = BigInt(text);
  return v < 1n << 64n ? v : null;
}

function printable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

/**
 * Bytes of a %r field. bpftrace escapes only non-printable bytes, so `\x41` (a printable value) is
 * literal text; a literal `\x09` in a name cannot be told from an escaped tab — the one ambiguity.
 */
export function decodeEscapedBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c && text[i + 1] === 'x') {
      const hex = text.slice(i + 2, i + 4);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        const byte = parseInt(hex, 16);
        if (!printable(byte)) {
          out.push(byte);
          i += 3;
          continue;
        }
      }
    }
    // Anything else bpftrace printed raw is printable ASCII; keep a replacement for the impossible.
    out.push(c < 0x80 ? c : 0x3f);
  }
  return Buffer.from(out);
}

/** A NUL-terminated name: bytes up to the first NUL, as UTF-8 (invalid sequences become U+FFFD). */
export function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return (nul < 0 ? bytes : bytes.subarray(0, nul)).toString('utf8');
}

const MAX_PID = 4_194_304;
const MAX_UID = 4_294_967_295;

/** Null for lines that are not one of our records (counted by the caller as parse errors). */
export function parseRecord(line: string): PreciseRecord | null {
  const f = line.split('\t');
  switch (f[0]) {
    case 'B':
      return f.length === 1 ? { kind: 'begin' } : null;
    case 'z':
      return f.length === 1 ? { kind: 'endDone' } : null;
    case 'Z': {
      const live = int(f[1], 255);
      return f.length === 2 && live !== null ? { kind: 'end', live } : null;
    }
    case 'T': {
      const seq = int(f[1], Number.MAX_SAFE_INTEGER);
      const old = int(f[2], 255);
      return f.length === 3 && seq !== null && old !== null ? { kind: 'tick', seq, old } : null;
    }
    case 'U': {
      const seq = int(f[1], Number.MAX_SAFE_INTEGER);
      return f.length === 2 && seq !== null ? { kind: 'tickEnd', seq } : null;
    }
    case 'E':
    case 'X': {
      if (f.length !== 9) return null;
      const pid = int(f[1], MAX_PID);
      const startNs = u64(f[2]);
      const ppid = int(f[3], MAX_PID);
      const parentStartNs = u64(f[4]);
      const uid = int(f[5], MAX_UID);
      const kdev = int(f[6], MAX_UID);
      const ino = u64(f[7]);
      if (pid === null || startNs === null || ppid === null || parentStartNs === null || uid === null) return null;
      if (kdev === null || ino === null) return null;
      const file = ino === 0n ? null : { dev: userDev(kdev), ino };
      const ev: ProcessEvent = { pid, startNs, ppid, parentStartNs, uid, file, comm: cString(decodeEscapedBytes(f[8]!)) };
      return f[0] === 'X' ? { kind: 'exit', ...ev } : { kind: 'exec', ...ev };
    }
    case 'F': {
      if (f.length !== 5) return null;
      const pid = int(f[1], MAX_PID);
      const startNs = u64(f[2]);
      const index = int(f[3], 64);
      if (pid === null || startNs === null || index === null) return null;
      return { kind: 'fileChunk', pid, startNs, index, chunk: decodeEscapedBytes(f[4]!) };
    }
    default:
      return null;
  }
}
