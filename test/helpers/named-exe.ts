// A uniquely named executable for a test client, so the app shows up under its own path
// (Outflow identifies apps by executable path). A hard link to node keeps it cheap; /proc/<pid>/exe
// reports the link's own path.
import { copyFileSync, linkSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function namedNode(name: string): { path: string; dispose(): void } {
  if (!/^[A-Za-z0-9._ ()'",-]{1,64}$/u.test(name)) throw new Error('namedNode: unsupported name');
  const dir = mkdtempSync(join(tmpdir(), 'outflow-exe-'));
  const path = join(dir, name);
  try {
    linkSync(process.execPath, path);
  } catch {
    copyFileSync(process.execPath, path);
    chmodSync(path, 0o755);
  }
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
