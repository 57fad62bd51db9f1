// Rule text reaches pfctl only through a file: `pfctl -f -` is not used (DESIGN.md: feeding nft/pf
// from a Node pipe has bitten us), and a file can be inspected when a load fails. The file lives in
// a fresh mkdtemp directory (0700), is created exclusively with mode 0600, and is removed afterwards,
// so no other local user can read or swap it between our write and pfctl's read.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PrivateFiles = <T>(files: Record<string, string>, use: (paths: Record<string, string>) => Promise<T>) => Promise<T>;

const NAME_RE = /^[a-z0-9_.-]{1,64}$/;

/** Writes `files` (name → content) into a private directory under `baseDir`, runs `use`, then deletes it. */
export function privateFiles(baseDir: string = tmpdir()): PrivateFiles {
  return async (files, use) => {
    const dir = await mkdtemp(join(baseDir, 'outflow-pf-'));
    try {
      const paths: Record<string, string> = {};
      for (const [name, content] of Object.entries(files)) {
        if (!NAME_RE.test(name)) throw new Error(`pf: bad temp file name ${JSON.stringify(name)}`);
        const path = join(dir, name);
        await writeFile(path, content, { mode: 0o600, flag: 'wx' });
        paths[name] = path;
      }
      return await use(paths);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
