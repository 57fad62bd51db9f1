// Engine events go to our window only, on the one event channel; a closed or hidden-and-destroyed
// window simply misses them (the renderer reloads state when it comes back).
import { IPC_EVENT_CHANNEL } from '../shared/contract';
import type { EngineHandle } from '../engine/ports';
import type { BrowserWindowLike } from './electron-shape';

export function forwardEngineEvents(engine: Pick<EngineHandle, 'subscribe'>, currentWindow: () => BrowserWindowLike | null): () => void {
  return engine.subscribe((event) => {
    const win = currentWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(IPC_EVENT_CHANNEL, event);
  });
}
