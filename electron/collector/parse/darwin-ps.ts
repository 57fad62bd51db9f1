// Process metadata on macOS from ps(1), asked only for pids not seen before. On macOS the `comm`
// keyword is the executable's full path (as exec'd) for processes we may inspect, and the short
// accounting name for others: only an absolute path is taken as the executable.
// ps runs with LC_ALL=C and TZ=UTC so `lstart` has one fixed, zone-free spelling.

export interface PsProcess {
  pid: number;
  ppid: number;
  uid: number;
  /** Start time, ms since the epoch (ps prints whole seconds). */
  startTime: number;
  /** Absolute executable path, or null when ps could only give the short name. */
  exe: string | null;
  /** Basename of the path, or the short name. */
  name: string;
}

export interface PsParse {
  processes: Map<number, PsProcess>;
  /** Lines that did not read as a row, and rows we refused (duplicate or unrequested pid). */
  skipped: number;
}

export const PS_ENV: Record<string, string> = { LC_ALL: 'C', TZ: 'UTC' };

/** Longest pid list per ps call, to stay far below ARG_MAX. */
export const PS_BATCH = 256;

export function psArgv(pids: readonly number[]): string[] {
  if (pids.length === 0 || pids.length > PS_BATCH) throw new RangeError('psArgv: 1..256 pids');
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid < 0 || pid > 0x7fffffff) throw new RangeError(`psArgv: bad pid ${pid}`);
  }
  // One -o per keyword: `comm` must be last because it may contain spaces.
  return ['-o', 'pid=', '-o', 'ppid=', '-o', 'uid=', '-o', 'lstart=', '-o', 'comm=', '-p', pids.join(',')];
}

const ROW = /^\s*(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s+([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4}) (.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Rows for the requested pids. A path containing a newline would spill onto a second line: such a
 * row's path is cut short, so its exe is dropped (null) rather than trusted, and so is any pid that
 * appears twice (a spilled line could imitate a row).
 */
export function parsePs(output: string, requested: readonly number[]): PsParse {
  const wanted = new Set(requested);
  const processes = new Map<number, PsProcess>();
  const doubtful = new Set<number>();
  let skipped = 0;
  let previous: PsProcess | null = null;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const m = ROW.exec(line);
    const row = m ? toRow(m) : null;
    if (!row) {
      skipped++;
      if (previous) doubtful.add(previous.pid);
      continue;
    }
    previous = row;
    if (!wanted.has(row.pid)) {
      skipped++;
      continue;
    }
    if (processes.has(row.pid)) {
      skipped++;
      doubtful.add(row.pid);
      continue;
    }
    processes.set(row.pid, row);
  }
  for (const pid of doubtful) {
    const p = processes.get(pid);
    if (p) processes.set(pid, { ...p, exe: null });
  }
  return { processes, skipped };
}

function toRow(m: RegExpExecArray): PsProcess | null {
  const month = MONTHS.indexOf(m[5]);
  if (month < 0) return null;
  const startTime = Date.UTC(Number(m[10]), month, Number(m[6].trim()), Number(m[7]), Number(m[8]), Number(m[9]));
  if (!Number.isFinite(startTime)) return null;
  // Not trimmed: a path with a trailing space is a different file (ps does not pad its last column).
  const comm = m[11].endsWith('\r') ? m[11].slice(0, -1) : m[11];
  if (comm === '') return null;
  const exe = comm.startsWith('/') ? comm : null;
  const name = exe ? exe.slice(exe.lastIndexOf('/') + 1) || exe : comm;
  return { pid: Number(m[1]), ppid: Number(m[2]), uid: Number(m[3]), startTime, exe, name };
}
