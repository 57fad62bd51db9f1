import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeElectronBinary } from './fakes/fake-electron-binary';

const require = createRequire(__filename);
const afterPack = require('../../build/after-pack.js') as ((ctx: unknown) => Promise<void>) & {
  fuseConfig(platform: string, arch: number): Record<string, unknown>;
};

const work = mkdtempSync(path.join(tmpdir(), 'outflow-fuses-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Wire bytes (@electron/fuses does not export its FuseState enum). */
const FuseState = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) } as const;
type FuseState = (typeof FuseState)[keyof typeof FuseState];

const ARCH = { x64: 1, arm64: 3, universal: 4 };
const packager = { appInfo: { productFilename: 'Outflow' }, executableName: 'outflow' };

const WANTED: Array<[FuseV1Options, FuseState]> = [
  [FuseV1Options.RunAsNode, FuseState.DISABLE],
  [FuseV1Options.EnableCookieEncryption, FuseState.ENABLE],
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable, FuseState.DISABLE],
  [FuseV1Options.EnableNodeCliInspectArguments, FuseState.DISABLE],
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, FuseState.ENABLE],
  [FuseV1Options.OnlyLoadAppFromAsar, FuseState.ENABLE],
  [FuseV1Options.GrantFileProtocolExtraPrivileges, FuseState.DISABLE],
];

async function expectFlipped(binary: string) {
  const wire = await getCurrentFuseWire(binary);
  for (const [fuse, state] of WANTED) expect(wire[fuse], FuseV1Options[fuse]).toBe(state);
  // Not configured: stays as Electron ships it.
  expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FuseState.DISABLE);
}

describe('afterPack fuses', () => {
  it('Linux: flips the fuses in <appOutDir>/<executableName>', async () => {
    const appOutDir = path.join(work, 'linux-unpacked');
    const bin = fakeElectronBinary(path.join(appOutDir, 'outflow'));
    await afterPack({ appOutDir, electronPlatformName: 'linux', arch: ARCH.x64, packager });
    await expectFlipped(bin);
  });

  it('Windows: flips the fuses in <productFilename>.exe', async () => {
    const appOutDir = path.join(work, 'win-unpacked');
    const bin = fakeElectronBinary(path.join(appOutDir, 'Outflow.exe'));
    await afterPack({ appOutDir, electronPlatformName: 'win32', arch: ARCH.x64, packager });
    await expectFlipped(bin);
  });

  it('macOS: flips the fuses in the Electron Framework inside the .app', async () => {
    const appOutDir = path.join(work, 'mac');
    fakeElectronBinary(path.join(appOutDir, 'Outflow.app', 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework'));
    await afterPack({ appOutDir, electronPlatformName: 'darwin', arch: ARCH.x64, packager });
    // @electron/fuses reads the framework binary when given the .app.
    await expectFlipped(path.join(appOutDir, 'Outflow.app'));
  });

  it('re-signs ad hoc only where macOS requires it (arm64, universal)', () => {
    expect(afterPack.fuseConfig('darwin', ARCH.arm64).resetAdHocDarwinSignature).toBe(true);
    expect(afterPack.fuseConfig('darwin', ARCH.universal).resetAdHocDarwinSignature).toBe(true);
    expect(afterPack.fuseConfig('darwin', ARCH.x64).resetAdHocDarwinSignature).toBe(false);
    expect(afterPack.fuseConfig('linux', ARCH.arm64).resetAdHocDarwinSignature).toBe(false);
  });

  it('fails the build when the binary has no fuse wire or one too short for a required fuse', async () => {
    const appOutDir = path.join(work, 'bad');
    fakeElectronBinary(path.join(appOutDir, 'outflow'), '1011');
    await expect(afterPack({ appOutDir, electronPlatformName: 'linux', arch: ARCH.x64, packager })).rejects.toThrow(/not long enough/);
    await expect(afterPack({ appOutDir: path.join(work, 'none'), electronPlatformName: 'linux', arch: ARCH.x64, packager })).rejects.toThrow();
  });
});
