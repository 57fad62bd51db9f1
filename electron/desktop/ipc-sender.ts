// Every IPC call must come from the top frame of our own window, showing our app:// page. Anything else —
// another window, an iframe, a page that somehow navigated away, a frame already torn down — is refused.
import { isAppUrl } from './app-origin';
import type { BrowserWindowLike, InvokeEventLike } from './electron-shape';

export function isTrustedSender(event: InvokeEventLike, window: BrowserWindowLike | null): boolean {
  if (!window || window.isDestroyed()) return false;
  if (event.sender !== window.webContents) return false;
  const frame = event.senderFrame;
  if (!frame || frame.detached) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}
