import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopPaths, nativeBindingPath } from '../../electron/desktop/app-paths';

describe('desktop paths', () => {
  it('development: everything under the checkout', () => {
    const p = desktopPaths({ appPath: '/src/outflow', userData: '/home/u/.config/Outflow', abi: '150', exists: () => true });
    expect(p).toEqual({
      appRoot: '/src/outflow',
      rendererDir: '/src/outflow/dist/renderer',
      assetsDir: '/src/outflow/assets',
      dbPath: '/home/u/.config/Outflow/outflow.db',
      sqliteNativeBinding: '/src/outflow/native/electron-150/better_sqlite3.node',
    });
  });

  it('packaged: the native binary comes from app.asar.unpacked, everything else from the archive', () => {
    const root = path.join('/opt/Outflow/resources', 'app.asar');
    const p = desktopPaths({ appPath: root, userData: '/u', abi: '150', exists: (f) => f.includes('app.asar.unpacked') });
    expect(p.rendererDir).toBe('/opt/Outflow/resources/app.asar/dist/renderer');
    expect(p.sqliteNativeBinding).toBe('/opt/Outflow/resources/app.asar.unpacked/native/electron-150/better_sqlite3.node');
    expect(nativeBindingPath('C:\\Program Files\\Outflow\\resources\\app.asar', '150')).toMatch(/app\.asar\.unpacked/);
  });

  it('no binding when the build for this ABI is missing; refuses a malformed ABI', () => {
    expect(desktopPaths({ appPath: '/a', userData: '/u', abi: '150', exists: () => false }).sqliteNativeBinding).toBeNull();
    expect(() => nativeBindingPath('/a', '../x')).toThrow();
  });
});
