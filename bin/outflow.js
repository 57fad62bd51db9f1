#!/usr/bin/env node
'use strict';
// The CLI runs the compiled engine from dist/ (`npm run build` makes it; `npm install` runs it).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'electron', 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('outflow: not built yet — run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
