// Where the desktop app finds its parts, in development (`npm start`, app root = the checkout) and
// packaged (app root = resources/app.asar; native binaries unpacked next to it).
import path from 'node:path';

export interface DesktopPaths {
  appRoot: string;
  rendererDir: string;
  assetsDir: string;
  dbPath: string;
  /** better-sqlite3 built for this Electron's ABI (scripts/build-electron-native.js); null when absent. */
  sqliteNativeBinding: string | null;
}

export interface DesktopPathsInput {
  appPath: string;
  userData: string;
  /** process.versions.modules of the running Electron. */
  abi: string;
  exists(file: string): boolean;
}

export function nativeBindingPath(appRoot: string, abi: string): string {
  if (!/^\d{1,4}$/.test(abi)) throw new Error(`bad ABI version ${JSON.stringify(abi)}`);
  const file = path.join(appRoot, 'native', `electron-${abi}`, 'better_sqlite3.node');
  // A .node file cannot be loaded from inside an asar archive; electron-builder unpacks native/** next to it.
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

export function desktopPaths(input: DesktopPathsInput): DesktopPaths {
  const appRoot = input.appPath;
  const binding = nativeBindingPath(appRoot, input.abi);
  return {
    appRoot,
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    assetsDir: path.join(appRoot, 'assets'),
    dbPath: path.join(input.userData, 'outflow.db'),
    sqliteNativeBinding: input.exists(binding) ? binding : null,
  };
}
