// What to tell a user when the database refused a write: the SQLite result codes that mean "try
// again later" or "make room", as one clear sentence; null for anything else (a real bug).

export function storeProblem(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return 'the database is locked by another program and was not released in time; nothing was changed, try again';
  }
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') {
    return 'the disk holding the database is full; nothing was changed, free some space and try again';
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES') {
    return `the database cannot be written (${code}); nothing was changed`;
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return `the disk reported an I/O error (${code}); nothing was changed`;
  return null;
}
