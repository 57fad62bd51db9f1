// electron-builder afterPack hook: flip Electron's fuses in the packaged binary, before signing.
// - RunAsNode off: the app binary cannot be used as a general Node runtime (ELECTRON_RUN_AS_NODE).
// - NODE_OPTIONS and --inspect* off: no code or debugger injected through the environment or argv.
// - Embedded asar integrity on + only load the app from app.asar: a modified app.asar, or loose files
//   beside it, are refused (electron-builder writes the integrity hash on macOS and Windows).
// - Cookie encryption on; the file:// protocol's extra privileges off (the UI is served from app://).
'use strict';

const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** electron-builder's Arch enum values. */
const ARCH_ARM64 = 3;
const ARCH_UNIVERSAL = 4;

/** The fuse settings for one platform/arch; exported for the tests. */
function fuseConfig(platform, arch) {
  return {
    version: FuseVersion.V1,
    // Flipping fuses invalidates the ad-hoc signature that arm64 macOS binaries must carry.
    resetAdHocDarwinSignature: platform === 'darwin' && (arch === ARCH_ARM64 || arch === ARCH_UNIVERSAL),
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** Path of the file that holds the fuse wire, as electron-builder names the packaged executable. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return path.join(appOutDir, packager.executableName);
    default:
      throw new Error(`after-pack: unknown platform ${electronPlatformName}`);
  }
}

async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const slices = await flipFuses(binary, fuseConfig(platform, context.arch));
  // eslint-disable-next-line no-console
  console.log(`  • fuses flipped in ${binary} (${slices} slice${slices === 1 ? '' : 's'})`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
