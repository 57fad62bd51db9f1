#!/usr/bin/env node
// `npm run dist` (after `npm run build`): package Outflow for the OS this runs on with electron-builder
// (electron-builder.yml): Linux AppImage + deb + rpm, macOS dmg, Windows NSIS, into release/.
// Extra arguments go to electron-builder, e.g. `npm run dist -- --dir` for an unpacked build only.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { plan } = require('./start-electron');

const ROOT = path.resolve(__dirname, '..');
const PLATFORM_FLAGS = { linux: '--linux', darwin: '--mac', win32: '--win' };

/** electron-builder's argv for this platform. */
function builderArgs(platform, extra = []) {
  const flag = PLATFORM_FLAGS[platform];
  if (!flag) throw new Error(`dist: cannot package on ${platform}`);
  return [flag, '--config', 'electron-builder.yml', '--publish', 'never', ...extra];
}

function main() {
  const p = plan(ROOT);
  if (!p.mainBuilt || !p.rendererBuilt) {
    console.error('dist: run `npm run build` first (npm run dist does this).');
    process.exit(1);
  }
  if (p.buildNative) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'build-electron-native.js')], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  if (!fs.existsSync(p.binding)) {
    console.error(`dist: ${path.relative(ROOT, p.binding)} is missing`);
    process.exit(1);
  }
  const cli = require.resolve('electron-builder/cli.js', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [cli, ...builderArgs(process.platform, process.argv.slice(2))], { cwd: ROOT, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

module.exports = { builderArgs };

if (require.main === module) main();
