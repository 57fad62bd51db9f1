// The slice of Electron's main-process API the desktop shell uses, as narrow structural types.
// main.ts assigns the real `electron` module to `ElectronShape`, so tsc checks every member here
// against node_modules/electron/electron.d.ts; tests pass fakes of the same shape, so the shell's
// logic runs under Node without the Electron binary.
import type { BrowserWindowConstructorOptions, NativeImage, Privileges } from 'electron';

export interface EventLike {
  preventDefault(): void;
}

/** A frame as seen by the main process (WebFrameMain). */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly detached: boolean;
}

export interface WindowOpenDetails {
  url: string;
}

export interface WebContentsLike {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  setWindowOpenHandler(handler: (details: WindowOpenDetails) => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: EventLike & { url: string }) => void): unknown;
  on(event: 'will-redirect', listener: (event: EventLike & { url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: EventLike) => void): unknown;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  isVisible(): boolean;
  restore(): void;
  show(): void;
  hide(): void;
  focus(): void;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: (event: EventLike) => void): unknown;
  on(event: 'closed' | 'hide' | 'blur', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

export type WindowOptions = BrowserWindowConstructorOptions;

export interface BrowserWindowCtor {
  new (options: WindowOptions): BrowserWindowLike;
}

export interface InvokeEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface ProtocolLike {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Privileges }[]): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

export type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void;
export type PermissionCheckHandler = (webContents: unknown, permission: string) => boolean;

export type BeforeRequestListener = (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void;

export interface SessionLike {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void;
  readonly webRequest: {
    onBeforeRequest(filter: { urls: string[] }, listener: BeforeRequestListener | null): void;
  };
}

export interface AppLike {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  quit(): void;
  exit(exitCode?: number): void;
  getPath(name: 'userData'): string;
  getAppPath(): string;
  getVersion(): string;
  setAppUserModelId(id: string): void;
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void;
  on(event: 'second-instance', listener: (event: EventLike, argv: string[]) => void): unknown;
  on(event: 'before-quit' | 'will-quit', listener: (event: EventLike) => void): unknown;
  on(event: 'window-all-closed' | 'activate', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: EventLike, contents: WebContentsLike) => void): unknown;
}

// Tray and Notification constructors take Electron's own NativeImage, so the real type is used here
// (fakes in tests implement only the three methods the shell calls).
export type NativeImageLike = NativeImage;

export interface NativeImageModuleLike {
  createFromBuffer(buffer: Buffer, options?: { scaleFactor?: number }): NativeImageLike;
  createEmpty(): NativeImageLike;
}

export interface MenuItemSpec {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox';
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

export interface MenuLike {
  readonly items: unknown[];
}

export interface MenuModuleLike {
  buildFromTemplate(template: MenuItemSpec[]): MenuLike;
}

export interface TrayLike {
  setImage(image: NativeImageLike): void;
  setToolTip(toolTip: string): void;
  setTitle(title: string): void;
  setContextMenu(menu: MenuLike | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
  isDestroyed(): boolean;
}

export interface TrayCtor {
  new (image: NativeImageLike): TrayLike;
}

export interface NotificationOptionsLike {
  title: string;
  body: string;
  silent?: boolean;
  icon?: NativeImageLike;
}

export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown;
}

export interface NotificationCtor {
  new (options: NotificationOptionsLike): NotificationLike;
  isSupported(): boolean;
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}

export interface DialogLike {
  showErrorBox(title: string, content: string): void;
}

export interface ElectronShape {
  app: AppLike;
  BrowserWindow: BrowserWindowCtor;
  ipcMain: IpcMainLike;
  protocol: ProtocolLike;
  session: { readonly defaultSession: SessionLike };
  shell: ShellLike;
  dialog: DialogLike;
  Tray: TrayCtor;
  Menu: MenuModuleLike;
  nativeImage: NativeImageModuleLike;
  Notification: NotificationCtor;
}

export type LogFn = (level: 'info' | 'warn' | 'error', message: string) => void;
