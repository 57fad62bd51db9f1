import { homedir } from 'node:os';
import { join } from 'node:path';

/** The OS's per-user data folder for Outflow; OUTFLOW_DB or --db override it. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.OUTFLOW_DB) return env.OUTFLOW_DB;
  const home = homedir();
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Outflow', 'outflow.db');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Outflow', 'outflow.db');
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'outflow', 'outflow.db');
  }
}
