// "Start at login" from the startAtLogin setting, per OS: login items on macOS/Windows, an XDG
// autostart entry on Linux. The app is started with --hidden so it opens in the tray.
import type { AppLike } from './electron-shape';
import { HIDDEN_FLAG, setLinuxAutostart } from './linux-autostart';

export interface LoginItemDeps {
  platform: NodeJS.Platform;
  app: Pick<AppLike, 'setLoginItemSettings' | 'isPackaged' | 'getAppPath'>;
  execPath: string;
  env: NodeJS.ProcessEnv;
  /** Where XDG autostart entries live (Linux). */
  autostartDir: string;
}

/** The command that starts this same app again: the AppImage file when run from one, else the executable (+ app dir in development). */
export function launchCommand(deps: Pick<LoginItemDeps, 'app' | 'execPath' | 'env'>): string[] {
  const appImage = deps.env.APPIMAGE;
  if (appImage && appImage.startsWith('/')) return [appImage, HIDDEN_FLAG];
  return deps.app.isPackaged ? [deps.execPath, HIDDEN_FLAG] : [deps.execPath, deps.app.getAppPath(), HIDDEN_FLAG];
}

export function applyStartAtLogin(enabled: boolean, deps: LoginItemDeps): void {
  if (deps.platform === 'linux') {
    setLinuxAutostart(deps.autostartDir, enabled ? launchCommand(deps) : null);
    return;
  }
  deps.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}

export function startedHidden(argv: string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}
