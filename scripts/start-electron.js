#!/usr/bin/env node
// `npm start` (after `npm run build`): make sure better-sqlite3 exists for Electron's ABI (building it
// once with scripts/build-electron-native.js when missing), then run Electron on the built app.
// Extra arguments are passed to the app, e.g. `npm start -- --hidden`.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { readElectron, bindingPath } = require('./build-electron-native');

const ROOT = path.resolve(__dirname, '..');

/** The environment for the Electron child: never in Node mode, never with injected Node options. */
function electronEnv(env) {
  const clean = { ...env };
  delete clean.ELECTRON_RUN_AS_NODE;
  delete clean.NODE_OPTIONS;
  return clean;
}

/** What has to happen before Electron can start; pure, for the tests. */
function plan(root, exists = fs.existsSync) {
  const { abi, version } = readElectron(root);
  const binding = bindingPath(root, abi);
  return {
    electronVersion: version,
    abi,
    binding,
    buildNative: !exists(binding),
    mainBuilt: exists(path.join(root, 'dist', 'electron', 'main.js')) && exists(path.join(root, 'dist', 'electron', 'preload.js')),
    rendererBuilt: exists(path.join(root, 'dist', 'renderer', 'index.html')),
  };
}

/** Linux without X11 or Wayland has nowhere to open a window: say what to run instead. */
function noDisplay(env = process.env, platform = process.platform) {
  return platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY;
}

function main() {
  if (noDisplay()) {
    console.error(
      'start-electron: no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop window cannot open.\n' +
        'Run the engine with its web UI instead:  npx outflow serve   (then open the printed URL, e.g. through an SSH tunnel)',
    );
    process.exit(1);
  }
  const p = plan(ROOT);
  if (!p.mainBuilt) {
    console.error('start-electron: dist/electron/main.js or preload.js is missing; run `npm run build` (npm start does this).');
    process.exit(1);
  }
  if (!p.rendererBuilt) console.warn('start-electron: dist/renderer/index.html is missing; the window will be empty.');
  if (p.buildNative) {
    console.log(`better-sqlite3 for Electron ${p.electronVersion} (ABI ${p.abi}) not built yet; building it once…`);
    const r = spawnSync(process.execPath, [path.join(__dirname, 'build-electron-native.js')], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('start-electron: could not build better-sqlite3 for Electron (it needs the network once); see above.');
      process.exit(1);
    }
  }
  // The electron package resolves (and on first use downloads) its binary when required.
  const electronBinary = require('electron');
  const child = spawn(electronBinary, [ROOT, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', env: electronEnv(process.env) });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

module.exports = { noDisplay, electronEnv, plan };

if (require.main === module) main();
