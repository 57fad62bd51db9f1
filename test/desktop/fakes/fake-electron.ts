// In-memory stand-ins for the Electron main-process modules in ElectronShape. They mimic the behaviour
// the shell relies on (event order of quit, preventDefault on close, "No handler registered" for unknown
// invoke channels) and record what the shell did, so tests can assert it.
import type {
  AppLike,
  BeforeRequestListener,
  BrowserWindowLike,
  ElectronShape,
  EventLike,
  FrameLike,
  InvokeEventLike,
  MenuItemSpec,
  NativeImageLike,
  NotificationOptionsLike,
  PermissionCheckHandler,
  PermissionRequestHandler,
  WindowOpenDetails,
  WindowOptions,
} from '../../../electron/desktop/electron-shape';

type Listener = (...args: any[]) => unknown;

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(event, wrapped);
      return listener(...args);
    };
    return this.on(event, wrapped);
  }
  off(event: string, listener: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    const ls = this.listeners.get(event) ?? [];
    for (const l of [...ls]) l(...args);
    return ls.length > 0;
  }
  listenerCount(event: string): number {
    return (this.listeners.get(event) ?? []).length;
  }
}

export class FakeEvent implements EventLike {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeFrame implements FrameLike {
  detached = false;
  constructor(
    public url: string,
    readonly parent: FakeFrame | null = null,
  ) {}
}

let nextContentsId = 1;

export class FakeWebContents extends Emitter {
  readonly id = nextContentsId++;
  destroyed = false;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: WindowOpenDetails) => { action: 'deny' }) | null = null;
  readonly mainFrame: FakeFrame;
  constructor(url = 'app://outflow/index.html') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: WindowOpenDetails) => { action: 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  /** What a page does when it tries to navigate: returns whether the navigation was prevented. */
  tryNavigate(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url = ''): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e);
    return e.defaultPrevented;
  }
}

export class FakeBrowserWindow extends Emitter implements BrowserWindowLike {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents: FakeWebContents;
  readonly loaded: string[] = [];
  destroyed = false;
  visible = false;
  minimized = false;
  focused = 0;
  constructor(readonly options: WindowOptions) {
    super();
    this.webContents = new FakeWebContents();
    FakeBrowserWindow.instances.push(this);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  restore(): void {
    this.minimized = false;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused += 1;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.mainFrame.url = url;
  }
  /** The page finished its first paint. */
  ready(): void {
    this.emit('ready-to-show');
  }
  /** The user clicked the close button: returns true when the window really closed. */
  close(): boolean {
    const e = new FakeEvent();
    this.emit('close', e);
    if (e.defaultPrevented) return false;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.visible = false;
    this.emit('closed');
    return true;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** As ipcRenderer.invoke arrives in the main process. */
  async invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export function invokeEvent(contents: FakeWebContents, frame: FakeFrame | null = contents.mainFrame): InvokeEventLike {
  return { sender: contents, senderFrame: frame };
}

export class FakeProtocol {
  readonly privileged: Array<{ scheme: string; privileges: Record<string, unknown> }> = [];
  readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  registeredBeforeReady: boolean | null = null;
  constructor(private readonly app: FakeApp) {}
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, unknown> }>): void {
    if (this.app.ready) throw new Error('registerSchemesAsPrivileged must be called before the app is ready');
    this.registeredBeforeReady = true;
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    if (!this.app.ready) throw new Error('protocol.handle before ready');
    this.handlers.set(scheme, handler);
  }
}

export class FakeSession {
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  beforeRequest: { urls: string[]; listener: BeforeRequestListener | null } | null = null;
  readonly webRequest = {
    onBeforeRequest: (filter: { urls: string[] }, listener: BeforeRequestListener | null) => {
      this.beforeRequest = { urls: filter.urls, listener };
    },
  };
  /** As Chromium does: run the listener when a request matches one of the filter's patterns. */
  request(url: string): 'cancelled' | 'allowed' {
    const f = this.beforeRequest;
    if (!f?.listener) return 'allowed';
    const matches = f.urls.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(url));
    if (!matches) return 'allowed';
    let result: 'cancelled' | 'allowed' = 'allowed';
    f.listener({ url }, (r) => {
      result = r.cancel ? 'cancelled' : 'allowed';
    });
    return result;
  }
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.checkHandler = handler;
  }
}

export class FakeApp extends Emitter implements AppLike {
  isPackaged = false;
  ready = false;
  lockAvailable = true;
  quitCalls = 0;
  exitCode: number | null = null;
  /** Set when the quit sequence ran to the end (nothing prevented will-quit). */
  quitted = false;
  userModelId: string | null = null;
  readonly loginItems: Array<{ openAtLogin: boolean; args?: string[] }> = [];
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => {
    this.readyResolve = resolve;
  });
  constructor(
    private readonly paths: { userData: string; appPath: string },
    private readonly version = '0.1.0',
  ) {
    super();
  }
  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  whenReady(): Promise<unknown> {
    return this.readyPromise;
  }
  becomeReady(): void {
    this.ready = true;
    this.readyResolve();
  }
  quit(): void {
    this.quitCalls += 1;
    const before = new FakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = new FakeEvent();
    this.emit('will-quit', will);
    if (!will.defaultPrevented) this.quitted = true;
  }
  exit(exitCode = 0): void {
    this.exitCode = exitCode;
  }
  getPath(name: 'userData'): string {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return this.paths.userData;
  }
  getAppPath(): string {
    return this.paths.appPath;
  }
  getVersion(): string {
    return this.version;
  }
  setAppUserModelId(id: string): void {
    this.userModelId = id;
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItems.push(settings);
  }
}

export class FakeImage {
  readonly reps: Array<{ scaleFactor: number; bytes: number }> = [];
  template = false;
  constructor(readonly source: string) {}
  isEmpty(): boolean {
    return this.reps.length === 0;
  }
  addRepresentation(options: { scaleFactor: number; buffer: Buffer }): void {
    this.reps.push({ scaleFactor: options.scaleFactor, bytes: options.buffer.length });
  }
  setTemplateImage(option: boolean): void {
    this.template = option;
  }
}

export const fakeNativeImage = {
  createFromBuffer(buffer: Buffer, options?: { scaleFactor?: number }): NativeImageLike {
    const img = new FakeImage(buffer.subarray(0, 8).toString('hex'));
    img.addRepresentation({ scaleFactor: options?.scaleFactor ?? 1, buffer });
    return img as unknown as NativeImageLike;
  },
  createEmpty(): NativeImageLike {
    return new FakeImage('empty') as unknown as NativeImageLike;
  },
};

export class FakeTray extends Emitter {
  static instances: FakeTray[] = [];
  image: NativeImageLike;
  readonly images: NativeImageLike[] = [];
  tooltip = '';
  title = '';
  menu: { items: MenuItemSpec[] } | null = null;
  menuBuilds = 0;
  destroyed = false;
  constructor(image: NativeImageLike) {
    super();
    this.image = image;
    this.images.push(image);
    FakeTray.instances.push(this);
  }
  setImage(image: NativeImageLike): void {
    this.image = image;
    this.images.push(image);
  }
  setToolTip(toolTip: string): void {
    this.tooltip = toolTip;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  setContextMenu(menu: { items: unknown[] } | null): void {
    this.menu = menu as { items: MenuItemSpec[] } | null;
    this.menuBuilds += 1;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Find a menu item by label, descending into submenus. */
  item(label: string): MenuItemSpec {
    const find = (items: MenuItemSpec[]): MenuItemSpec | undefined => {
      for (const it of items) {
        if (it.label === label) return it;
        if (it.submenu) {
          const sub = find(it.submenu);
          if (sub) return sub;
        }
      }
      return undefined;
    };
    const hit = find(this.menu?.items ?? []);
    if (!hit) throw new Error(`no menu item ${JSON.stringify(label)} in ${JSON.stringify(this.menu?.items.map((i) => i.label))}`);
    return hit;
  }
}

export const fakeMenu = {
  buildFromTemplate(template: MenuItemSpec[]): { items: MenuItemSpec[] } {
    return { items: template };
  },
};

export class FakeNotification extends Emitter {
  static instances: FakeNotification[] = [];
  static supported = true;
  shown = 0;
  closed = false;
  constructor(readonly options: NotificationOptionsLike) {
    super();
    FakeNotification.instances.push(this);
  }
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  show(): void {
    this.shown += 1;
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
  click(): void {
    this.emit('click');
  }
}

export interface FakeElectron extends ElectronShape {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  protocol: FakeProtocol;
  session: { defaultSession: FakeSession };
  shell: { opened: string[]; openExternal(url: string): Promise<void> };
  dialog: { errors: Array<{ title: string; content: string }>; showErrorBox(title: string, content: string): void };
}

export function createFakeElectron(paths: { userData: string; appPath: string }): FakeElectron {
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  const app = new FakeApp(paths);
  const opened: string[] = [];
  const errors: Array<{ title: string; content: string }> = [];
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    protocol: new FakeProtocol(app),
    session: { defaultSession: new FakeSession() },
    shell: {
      opened,
      async openExternal(url: string) {
        opened.push(url);
      },
    },
    dialog: {
      errors,
      showErrorBox(title: string, content: string) {
        errors.push({ title, content });
      },
    },
    Tray: FakeTray as unknown as ElectronShape['Tray'],
    Menu: fakeMenu,
    nativeImage: fakeNativeImage,
    Notification: FakeNotification,
  };
}
