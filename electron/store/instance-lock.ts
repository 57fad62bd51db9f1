import { closeSync, openSync, readFileSync, unlinkSync, writeSync, constants } from 'node:fs';

// One engine per database: a second one would double-count and fight over the firewall. The lock is
// a file created with O_EXCL holding the owner's pid and start time; a lock whose owner is gone
// (crash, kill -9) is taken over.

export interface InstanceLock {
  path: string;
  release(): void;
}

export class LockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another Outflow engine (pid ${pid}) is already using this database (lock ${path}); stop it or use --db to pick another database`);
    this.name = 'LockedError';
  }
}

export function acquireInstanceLock(dbPath: string): InstanceLock {
  const path = `${dbPath}.lock`;
  const me = JSON.stringify({ pid: process.pid, start: processStart(process.pid) });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      writeSync(fd, me);
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(path, 'utf8') === me) unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(path);
      if (owner && isAlive(owner.pid, owner.start)) throw new LockedError(path, owner.pid);
      try {
        unlinkSync(path);
      } catch {
        /* someone else took it over first; retry */
      }
    }
  }
  throw new Error(`could not take the database lock ${path}`);
}

/** The pid holding the lock, if a live engine holds it. */
export function lockOwner(dbPath: string): number | null {
  const owner = readOwner(`${dbPath}.lock`);
  return owner && isAlive(owner.pid, owner.start) ? owner.pid : null;
}

function readOwner(path: string): { pid: number; start: string | null } | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; start?: unknown };
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return { pid: parsed.pid, start: typeof parsed.start === 'string' ? parsed.start : null };
  } catch {
    return null;
  }
}

function isAlive(pid: number, start: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A reused pid is not the owner: compare start times where the OS tells them.
  const now = processStart(pid);
  return start === null || now === null || now === start;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
