// One Outflow per user session: a second launch hands over to the first (which shows its window) and exits.
import type { AppLike } from './electron-shape';

/** True when this process holds the lock and should continue; false after asking this process to quit. */
export function acquireSingleInstance(app: Pick<AppLike, 'requestSingleInstanceLock' | 'quit' | 'on'>, onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, argv) => onSecondInstance(Array.isArray(argv) ? argv : []));
  return true;
}
