// Handlers that keep every web contents inside the app: no navigation, no new windows, no <webview>,
// no permissions. Attached through `app.on('web-contents-created')`, so nothing created later escapes them.
import { isAppUrl } from './app-origin';
import type { SessionLike, WebContentsLike } from './electron-shape';

export interface HardeningDeps {
  /** Called for link-like navigations; opens the URL in the OS browser only when it is on the allow-list. */
  openExternal(url: string): void;
  log(message: string): void;
}

export function hardenWebContents(contents: WebContentsLike, deps: HardeningDeps): void {
  contents.setWindowOpenHandler(({ url }) => {
    deps.openExternal(url);
    return { action: 'deny' };
  });
  // Routing is in the location hash (same-document), which never raises will-navigate; anything that
  // does is a page trying to leave the app.
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    if (!isAppUrl(event.url)) deps.openExternal(event.url);
    else deps.log(`blocked in-app navigation to ${event.url.slice(0, 200)}`);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) {
      event.preventDefault();
      deps.log(`blocked redirect to ${event.url.slice(0, 200)}`);
    }
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    deps.log('blocked <webview>');
  });
}

/** Schemes the renderer could use to reach the network; the UI needs none of them (CSP says so too). */
export const REMOTE_URL_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'];

/**
 * Outflow needs no web permission (camera, notifications from the page, geolocation, clipboard…): deny all.
 * And no remote content: any request from a page to the network is cancelled at the session, a second
 * wall behind the CSP. (The engine's own sockets are Node's, outside the session.)
 */
export function hardenSession(session: SessionLike, log: (message: string) => void): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: [...REMOTE_URL_PATTERNS] }, (details, callback) => {
    log(`blocked remote request ${details.url.slice(0, 200)}`);
    callback({ cancel: true });
  });
}
