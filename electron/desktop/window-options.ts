// The main window's options. Every security-relevant preference is spelled out, not left to defaults,
// so a future default change in Electron cannot loosen them silently (and the static test can read them).
import type { NativeImageLike, WindowOptions } from './electron-shape';

export interface MainWindowInput {
  preload: string;
  icon?: NativeImageLike;
  /** Off in packaged builds. */
  devTools: boolean;
}

export function mainWindowOptions(input: MainWindowInput): WindowOptions {
  return {
    width: 1200,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Outflow',
    backgroundColor: '#111418',
    autoHideMenuBar: true,
    ...(input.icon ? { icon: input.icon } : {}),
    webPreferences: {
      preload: input.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: input.devTools,
    },
  };
}
