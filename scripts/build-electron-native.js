#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron's ABI into native/electron-<abi>/better_sqlite3.node,
// leaving node_modules/better-sqlite3 (Node's ABI, used by the tests and the CLI) untouched: the build
// runs in a temporary copy of the package. main.ts hands the result to the engine as `sqliteNativeBinding`.
//
// Needs the network once: a prebuilt binary (prebuild-install, from the better-sqlite3 releases) or,
// failing that, Electron's headers for node-gyp (https://electronjs.org/headers) and a C++ toolchain.
//
//   node scripts/build-electron-native.js [--force]
//   node scripts/build-electron-native.js --runtime node --nodedir DIR --out DIR   (offline; for tests)
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_HEADERS = 'https://electronjs.org/headers';

function readElectron(root = ROOT) {
  const dir = path.dirname(require.resolve('electron/package.json', { paths: [root] }));
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const abi = fs.readFileSync(path.join(dir, 'abi_version'), 'utf8').trim();
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) throw new Error(`unexpected electron version ${version}`);
  if (!/^\d{1,4}$/.test(abi)) throw new Error(`unexpected electron abi_version ${JSON.stringify(abi)}`);
  return { version, abi };
}

/** Where main.ts looks for the Electron build (same rule as electron/desktop/app-paths.ts). */
function bindingPath(root, abi) {
  return path.join(root, 'native', `electron-${abi}`, 'better_sqlite3.node');
}

function parseArgs(argv) {
  const opts = { force: false, runtime: 'electron', target: null, nodedir: null, out: null, arch: process.arch, prebuilt: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--force') opts.force = true;
    else if (a === '--no-prebuilt') opts.prebuilt = false;
    else if (a === '--runtime') opts.runtime = value();
    else if (a === '--target') opts.target = value();
    else if (a === '--nodedir') opts.nodedir = path.resolve(value());
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--arch') opts.arch = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.runtime !== 'electron' && opts.runtime !== 'node') throw new Error('--runtime must be electron or node');
  if (!/^(x64|arm64|ia32|armv7l)$/.test(opts.arch)) throw new Error(`unsupported arch ${opts.arch}`);
  if (opts.target !== null && !/^v?\d+\.\d+\.\d+$/.test(opts.target)) throw new Error(`bad --target ${opts.target}`);
  return opts;
}

/** The node-gyp argv for one build (no shell anywhere: every value is a separate argument). */
function nodeGypArgs({ runtime, target, arch, nodedir, devdir }) {
  const args = ['rebuild', '--release', '--jobs=max', `--target=${target}`, `--arch=${arch}`];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  else if (runtime === 'electron') args.push(`--dist-url=${ELECTRON_HEADERS}`);
  // A separate header cache, so Electron's headers never mix with Node's in ~/.cache/node-gyp.
  if (devdir) args.push(`--devdir=${devdir}`);
  return args;
}

function prebuildArgs({ runtime, target, arch }) {
  return ['--runtime', runtime, '--target', target.replace(/^v/, ''), '--arch', arch, '--platform', process.platform, '--verbose'];
}

/** Copy the package without its build output or nested modules. */
function copyPackage(src, dest) {
  fs.cpSync(src, dest, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(src, from);
      const top = rel.split(path.sep)[0];
      return top !== 'build' && top !== 'node_modules';
    },
  });
}

function run(cmd, args, cwd, env) {
  console.log(`> ${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, env, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status === 0;
}

/** First bytes of a loadable native module on this platform. */
function looksNative(file) {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  const elf = head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  const pe = head[0] === 0x4d && head[1] === 0x5a;
  const macho = [0xfeedfacf, 0xcffaedfe, 0xcafebabe, 0xbebafeca].includes(head.readUInt32BE(0));
  return elf || pe || macho;
}

function build(argv = process.argv.slice(2), root = ROOT) {
  const opts = parseArgs(argv);
  const electron = readElectron(root);
  const target = opts.target ?? (opts.runtime === 'electron' ? electron.version : process.version);
  const out = opts.out ?? bindingPath(root, electron.abi);
  if (opts.runtime === 'node' && opts.out === null) throw new Error('--runtime node needs --out (native/ holds Electron builds only)');
  if (!opts.force && fs.existsSync(out)) {
    console.log(`${path.relative(root, out)} exists (use --force to rebuild)`);
    return out;
  }
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json', { paths: [root] }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-native-'));
  try {
    const copy = path.join(work, 'better-sqlite3');
    copyPackage(pkgDir, copy);
    const env = { ...process.env };
    delete env.npm_config_runtime;
    delete env.npm_config_target;
    delete env.npm_config_disturl;
    const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
    let ok = false;
    if (opts.prebuilt && !opts.nodedir) {
      try {
        const prebuild = require.resolve('prebuild-install/bin.js', { paths: [pkgDir, root] });
        ok = run(process.execPath, [prebuild, ...prebuildArgs({ runtime: opts.runtime, target, arch: opts.arch })], copy, env) && fs.existsSync(built);
      } catch (err) {
        console.log(`prebuilt binary not used: ${err.message}`);
      }
    }
    if (!ok) {
      const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
      const devdir = opts.runtime === 'electron' ? path.join(os.homedir(), '.electron-gyp') : null;
      ok = run(process.execPath, [gyp, ...nodeGypArgs({ runtime: opts.runtime, target, arch: opts.arch, nodedir: opts.nodedir, devdir })], copy, env);
    }
    if (!ok || !fs.existsSync(built)) throw new Error(`building better-sqlite3 for ${opts.runtime} ${target} failed (see the output above)`);
    if (!looksNative(built)) throw new Error(`${built} is not a native module`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.copyFileSync(built, tmp);
    fs.renameSync(tmp, out);
    const info = { runtime: opts.runtime, target, abi: opts.runtime === 'electron' ? electron.abi : process.versions.modules, arch: opts.arch, platform: process.platform };
    fs.writeFileSync(path.join(path.dirname(out), 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
    console.log(`built ${out}`);
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { readElectron, bindingPath, parseArgs, nodeGypArgs, prebuildArgs, copyPackage, looksNative, build };

if (require.main === module) {
  try {
    build();
  } catch (err) {
    console.error(`build-electron-native: ${err.message}`);
    process.exit(1);
  }
}
