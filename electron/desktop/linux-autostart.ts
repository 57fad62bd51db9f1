// Start at login on Linux (Electron's setLoginItemSettings covers only macOS and Windows): an XDG
// autostart entry in $XDG_CONFIG_HOME/autostart, written atomically, removed when turned off.
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const AUTOSTART_FILE = 'org.outflow.Outflow.desktop';
/** Passed at login so the app starts in the tray without opening its window. */
export const HIDDEN_FLAG = '--hidden';

export function autostartDir(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(base, 'autostart');
}

/**
 * Quote one Exec argument per the Desktop Entry spec: arguments with reserved characters are
 * double-quoted with `"`, `` ` ``, `$` and `\` backslash-escaped; then the string-value escaping
 * doubles every backslash again, and `%` is doubled so it is not a field code.
 */
export function quoteExecArg(arg: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error('autostart: control characters in a command-line argument');
  let quoted = /^[A-Za-z0-9_\-./=+,:@]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  quoted = quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
  return quoted;
}

export function autostartEntry(command: string[]): string {
  if (command.length === 0 || !path.isAbsolute(command[0]!)) throw new Error('autostart: the command must start with an absolute path');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Outflow',
    'Comment=See, record and control the traffic leaving your workstation',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=outflow',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function setLinuxAutostart(dir: string, command: string[] | null): void {
  const file = path.join(dir, AUTOSTART_FILE);
  if (command === null) {
    rmSync(file, { force: true });
    return;
  }
  const text = autostartEntry(command);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
