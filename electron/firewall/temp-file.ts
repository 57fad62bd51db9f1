import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Rulesets and desired-state documents are handed to nft / the helper as files: a pipe from Node
// into `nft -f -` is unreliable, and a file can be checked (owner, mode, no symlink) by the helper.
// Each file lives in its own fresh 0700 directory with mode 0600, created exclusively.

export async function withPrivateFile<T>(content: string, name: string, use: (path: string) => Promise<T>, dir: string = tmpdir()): Promise<T> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error('withPrivateFile: invalid file name');
  const folder = await mkdtemp(join(dir, 'outflow-'));
  try {
    const path = join(folder, name);
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
    return await use(path);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
