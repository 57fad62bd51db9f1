#!/usr/bin/env node
// Builds the sock_diag addon (addon/sockdiag) with node-gyp. It is N-API, so the one build serves
// Node (tests, `outflow serve`) and Electron alike. Linux only; elsewhere there is nothing to build.
//
//   node scripts/build-addon.js [--force]
//
// Without a compiler the app still works (the collector forks `ss` instead), so a failed build warns
// and exits 0 on a user's machine; under CI=true it fails, because CI must test what ships.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'addon', 'sockdiag');
const out = path.join(dir, 'build', 'Release', 'sockdiag.node');
const sources = ['sockdiag.c', 'binding.gyp'].map((f) => path.join(dir, f));

function upToDate() {
  if (!fs.existsSync(out)) return false;
  const built = fs.statSync(out).mtimeMs;
  return sources.every((s) => fs.statSync(s).mtimeMs <= built);
}

function nodedirArgs() {
  // npm passes its `nodedir` setting to scripts; run directly, point node-gyp at this Node's own
  // headers when they are installed, so it never tries to download them.
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.platform !== 'linux') return;
  if (!process.argv.includes('--force') && upToDate()) return;
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  try {
    execFileSync(process.execPath, [gyp, 'rebuild', '--loglevel=warn', ...nodedirArgs()], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    const msg = `sock_diag addon not built (${err.message.split('\n')[0]}); the collector will fork ss each tick instead. Needs python3, make and a C compiler.`;
    if (process.env.CI === 'true') {
      console.error(`error: ${msg}`);
      process.exit(1);
    }
    console.warn(`warning: ${msg}`);
  }
}

main();
