import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { MAX_DOCUMENT_BYTES } from '../desired-state-schema';

// The helper runs as root on a file named by an unprivileged caller, so the file itself is checked
// before a byte is parsed: an absolute path, not a symlink (O_NOFOLLOW, and the opened file must be
// the one lstat saw), a regular file owned by the caller, not writable by group/others, one link,
// and bounded in size. Everything after that reads from the already-open descriptor.

export class DocumentRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentRefused';
  }
}

/** The uid of whoever asked: pkexec's PKEXEC_UID, else the real uid. */
export function callerUid(env: NodeJS.ProcessEnv, realUid: number): number {
  const v = env.PKEXEC_UID;
  if (v !== undefined) {
    if (!/^[0-9]{1,10}$/.test(v)) throw new DocumentRefused('PKEXEC_UID is not a number');
    return Number(v);
  }
  return realUid;
}

export function readDocumentFile(path: string, owner: number, maxBytes: number = MAX_DOCUMENT_BYTES): unknown {
  if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) throw new DocumentRefused('the document path must be absolute');
  let link;
  try {
    link = lstatSync(path);
  } catch {
    throw new DocumentRefused(`cannot stat ${path}`);
  }
  if (link.isSymbolicLink()) throw new DocumentRefused(`${path} is a symbolic link`);
  if (!link.isFile()) throw new DocumentRefused(`${path} is not a regular file`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch {
    throw new DocumentRefused(`cannot open ${path}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.ino !== link.ino || st.dev !== link.dev) throw new DocumentRefused(`${path} changed while it was being opened`);
    if (!st.isFile()) throw new DocumentRefused(`${path} is not a regular file`);
    if (st.uid !== owner) throw new DocumentRefused(`${path} is owned by uid ${st.uid}, not by the caller (uid ${owner})`);
    if ((st.mode & 0o022) !== 0) throw new DocumentRefused(`${path} is writable by group or others`);
    if (st.nlink !== 1) throw new DocumentRefused(`${path} has more than one hard link`);
    if (st.size > maxBytes) throw new DocumentRefused(`${path} is larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(Math.min(maxBytes, st.size) + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len >= buf.length) throw new DocumentRefused(`${path} grew while it was being read`);
    }
    try {
      return JSON.parse(buf.subarray(0, len).toString('utf8')) as unknown;
    } catch {
      throw new DocumentRefused(`${path} is not valid JSON`);
    }
  } finally {
    closeSync(fd);
  }
}
