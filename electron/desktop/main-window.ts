// The one main window: created on demand, shown/focused at a route, hidden instead of closed when
// close-to-tray is on. Routes are location-hash changes (same-document), so showing an alert never
// reloads the renderer.
import { appUrl, type HashRoute } from './app-origin';
import type { BrowserWindowCtor, BrowserWindowLike, LogFn, WindowOptions } from './electron-shape';

export interface MainWindowDeps {
  BrowserWindow: BrowserWindowCtor;
  options(): WindowOptions;
  /** Whether closing the window should hide it to the tray right now. */
  hideOnClose(): boolean;
  onHidden(): void;
  log: LogFn;
}

export interface MainWindowController {
  current(): BrowserWindowLike | null;
  /** Create if needed, bring to front, and open at `route` when given. */
  show(route?: HashRoute): void;
}

export function createMainWindowController(deps: MainWindowDeps): MainWindowController {
  let win: BrowserWindowLike | null = null;

  const load = (w: BrowserWindowLike, route?: HashRoute): void => {
    w.loadURL(appUrl(route)).catch((err: unknown) => deps.log('warn', `loading ${appUrl(route)} failed: ${String(err)}`));
  };

  const create = (route?: HashRoute): BrowserWindowLike => {
    const w = new deps.BrowserWindow(deps.options());
    w.on('close', (event) => {
      if (deps.hideOnClose()) {
        event.preventDefault();
        w.hide();
      }
    });
    w.on('hide', () => deps.onHidden());
    w.on('blur', () => deps.onHidden());
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.once('ready-to-show', () => {
      w.show();
      w.focus();
    });
    load(w, route);
    return w;
  };

  return {
    current: () => (win && !win.isDestroyed() ? win : null),
    show(route) {
      if (!win || win.isDestroyed()) {
        win = create(route);
        return;
      }
      if (route) load(win, route);
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    },
  };
}
