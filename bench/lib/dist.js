// Benches measure the compiled engine (dist/), as `outflow` runs it. `npm run bench` builds first.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const DIST = process.env.OUTFLOW_DIST || path.join(ROOT, 'dist');

/** require() of a compiled module, e.g. dist('electron/engine/flow-tracker'). */
function dist(rel) {
  const file = path.join(DIST, `${rel}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:node\` first`);
  return require(file);
}

module.exports = { dist, ROOT, DIST };
