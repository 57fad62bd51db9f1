// The Electron tray: renders a TrayModel (icon by state, live up-rate in tooltip/title, menu) and turns
// menu clicks into actions. The menu is rebuilt only when its content changes, not on every live tick.
import type { LogFn, MenuItemSpec, MenuModuleLike, TrayCtor, TrayLike } from './electron-shape';
import type { TrayIcons } from './tray-icons';
import { trayIconState, trayMenu, trayTitle, trayTooltip, type TrayIconState, type TrayMenuEntry, type TrayModel } from './tray-model';

export interface TrayActions {
  open(): void;
  setPaused(paused: boolean): void;
  openAlert(id: number): void;
  openAlerts(): void;
  quit(): void;
}

export interface TrayController {
  update(model: TrayModel): void;
  readonly state: TrayIconState;
  destroy(): void;
}

export interface TrayDeps {
  Tray: TrayCtor;
  Menu: MenuModuleLike;
  icons: TrayIcons;
  platform: NodeJS.Platform;
  actions: TrayActions;
  log: LogFn;
}

const MAX_MENU_LABEL = 60;

function label(text: string): string {
  // A leading "&" is a mnemonic on Windows/Linux; keep titles literal.
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/&/g, '&&');
  return clean.length > MAX_MENU_LABEL ? `${clean.slice(0, MAX_MENU_LABEL - 1)}…` : clean;
}

export function menuTemplate(entries: TrayMenuEntry[], actions: TrayActions): MenuItemSpec[] {
  return entries.map((entry): MenuItemSpec => {
    switch (entry.kind) {
      case 'open':
        return { label: 'Open Outflow', click: () => actions.open() };
      case 'separator':
        return { type: 'separator' };
      case 'pause':
        return { label: 'Pause monitoring', type: 'checkbox', checked: entry.paused, click: () => actions.setPaused(!entry.paused) };
      case 'alerts': {
        const items: MenuItemSpec[] =
          entry.items.length === 0
            ? [{ label: 'No alerts yet', enabled: false }]
            : entry.items.map((a) => ({ label: label(`${a.seen ? '' : '• '}${a.title}`), click: () => actions.openAlert(a.id) }));
        return {
          label: entry.unseen > 0 ? `Recent alerts (${entry.unseen >= 100 ? '99+' : entry.unseen} unseen)` : 'Recent alerts',
          type: 'submenu',
          submenu: [...items, { type: 'separator' }, { label: 'Show all alerts', click: () => actions.openAlerts() }],
        };
      }
      case 'quit':
        return { label: 'Quit Outflow', click: () => actions.quit() };
    }
  });
}

export function createTrayController(initial: TrayModel, deps: TrayDeps): TrayController {
  let state = trayIconState(initial);
  const tray: TrayLike = new deps.Tray(deps.icons[state]);
  let menuKey = '';
  let tooltip = '';
  let title = '';

  tray.on('click', () => deps.actions.open());

  const render = (model: TrayModel): void => {
    if (tray.isDestroyed()) return;
    const nextState = trayIconState(model);
    if (nextState !== state) {
      state = nextState;
      tray.setImage(deps.icons[state]);
    }
    const nextTooltip = trayTooltip(model);
    if (nextTooltip !== tooltip) {
      tooltip = nextTooltip;
      tray.setToolTip(tooltip);
    }
    if (deps.platform === 'darwin') {
      const nextTitle = trayTitle(model);
      if (nextTitle !== title) {
        title = nextTitle;
        tray.setTitle(title);
      }
    }
    const entries = trayMenu(model);
    const key = JSON.stringify(entries);
    if (key !== menuKey) {
      menuKey = key;
      tray.setContextMenu(deps.Menu.buildFromTemplate(menuTemplate(entries, deps.actions)));
    }
  };

  render(initial);
  return {
    update: render,
    get state() {
      return state;
    },
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
