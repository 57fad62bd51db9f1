// Tray and window icons, read from assets/ with fs (which sees inside app.asar) and handed to Electron as
// buffers with a 1x and a 2x representation. macOS gets monochrome template images (the menu bar tints
// them); the states still differ by shape there.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NativeImageLike, NativeImageModuleLike } from './electron-shape';
import { TRAY_ICON_STATES, type TrayIconState } from './tray-model';

export type TrayIcons = Record<TrayIconState, NativeImageLike>;

/** Base pixel size at 1x per platform: Linux indicators draw 22–24 px, Windows and macOS 16 px. */
export function trayIconSize(platform: NodeJS.Platform): number {
  return platform === 'linux' ? 24 : 16;
}

export function trayIconFiles(assetsDir: string, platform: NodeJS.Platform, state: TrayIconState): { x1: string; x2: string } {
  const size = trayIconSize(platform);
  const name = platform === 'darwin' ? `tray-${state}-template` : `tray-${state}`;
  return {
    x1: path.join(assetsDir, 'tray', `${name}-${size}.png`),
    x2: path.join(assetsDir, 'tray', `${name}-${size * 2}.png`),
  };
}

type ReadFile = (file: string) => Buffer;

function image(nativeImage: NativeImageModuleLike, files: { x1: string; x2: string }, read: ReadFile): NativeImageLike {
  const img = nativeImage.createFromBuffer(read(files.x1), { scaleFactor: 1 });
  img.addRepresentation({ scaleFactor: 2, buffer: read(files.x2) });
  return img;
}

export function loadTrayIcons(
  nativeImage: NativeImageModuleLike,
  assetsDir: string,
  platform: NodeJS.Platform,
  read: ReadFile = (f) => readFileSync(f),
): TrayIcons {
  const icons = {} as TrayIcons;
  for (const state of TRAY_ICON_STATES) {
    const img = image(nativeImage, trayIconFiles(assetsDir, platform, state), read);
    if (platform === 'darwin') img.setTemplateImage(true);
    icons[state] = img;
  }
  return icons;
}

/** The window and notification icon (Linux and Windows use it; macOS takes the bundle icon). */
export function loadAppIcon(nativeImage: NativeImageModuleLike, assetsDir: string, read: ReadFile = (f) => readFileSync(f)): NativeImageLike {
  return image(
    nativeImage,
    { x1: path.join(assetsDir, 'icons', '256x256.png'), x2: path.join(assetsDir, 'icons', '512x512.png') },
    read,
  );
}
