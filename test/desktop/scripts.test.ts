import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { inCI, missing } from '../helpers/requires';

const ROOT = path.resolve(__dirname, '../..');
const require = createRequire(__filename);
const native = require('../../scripts/build-electron-native.js') as {
  readElectron(root?: string): { version: string; abi: string };
  bindingPath(root: string, abi: string): string;
  parseArgs(argv: string[]): Record<string, unknown>;
  nodeGypArgs(o: { runtime: string; target: string; arch: string; nodedir?: string | null; devdir?: string | null }): string[];
  prebuildArgs(o: { runtime: string; target: string; arch: string }): string[];
  looksNative(file: string): boolean;
};
const start = require('../../scripts/start-electron.js') as {
  electronEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  plan(root: string, exists?: (f: string) => boolean): { abi: string; binding: string; buildNative: boolean; mainBuilt: boolean; rendererBuilt: boolean };
};
const dist = require('../../scripts/dist.js') as { builderArgs(platform: string, extra?: string[]): string[] };

const work = mkdtempSync(path.join(tmpdir(), 'outflow-scripts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('build-electron-native.js', () => {
  it('targets the installed Electron and the path main.ts loads', () => {
    const e = native.readElectron(ROOT);
    expect(e.version).toBe(JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version);
    expect(e.abi).toMatch(/^\d+$/);
    expect(native.bindingPath(ROOT, e.abi)).toBe(path.join(ROOT, 'native', `electron-${e.abi}`, 'better_sqlite3.node'));
  });

  it('node-gyp argv: Electron headers from electronjs.org into their own cache, or local Node headers', () => {
    expect(native.nodeGypArgs({ runtime: 'electron', target: '45.5.0', arch: 'x64', devdir: '/home/u/.electron-gyp' })).toEqual([
      'rebuild',
      '--release',
      '--jobs=max',
      '--target=45.5.0',
      '--arch=x64',
      '--dist-url=https://electronjs.org/headers',
      '--devdir=/home/u/.electron-gyp',
    ]);
    expect(native.nodeGypArgs({ runtime: 'node', target: 'v20.1.0', arch: 'arm64', nodedir: '/usr' })).toEqual(['rebuild', '--release', '--jobs=max', '--target=v20.1.0', '--arch=arm64', '--nodedir=/usr']);
    expect(native.prebuildArgs({ runtime: 'electron', target: '45.5.0', arch: 'x64' })).toEqual([
      '--runtime',
      'electron',
      '--target',
      '45.5.0',
      '--arch',
      'x64',
      '--platform',
      process.platform,
      '--verbose',
    ]);
  });

  it('validates its arguments', () => {
    expect(native.parseArgs([])).toMatchObject({ runtime: 'electron', force: false });
    for (const bad of [['--runtime', 'bun'], ['--arch', 'x64;rm'], ['--target', '45; rm -rf /'], ['--out'], ['--what']]) {
      expect(() => native.parseArgs(bad), bad.join(' ')).toThrow();
    }
  });

  const headers = path.resolve(process.execPath, '..', '..', 'include', 'node', 'node.h');
  const noHeaders = existsSync(headers) ? null : `needs Node headers at ${headers}`;
  if (noHeaders && inCI) throw new Error(`required under CI but missing: ${noHeaders}`);
  if (noHeaders) console.warn(`[skip] real native build: ${noHeaders}`);
  const why = noHeaders ?? missing(['build-tools']);

  it.skipIf(why !== null)(
    'builds better-sqlite3 in a copy (node runtime, offline) without touching node_modules, and the result loads',
    () => {
      const installed = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
      const before = { hash: createHash('sha256').update(readFileSync(installed)).digest('hex'), mtime: statSync(installed).mtimeMs };
      const out = path.join(work, 'node-abi', 'better_sqlite3.node');
      const nodedir = path.resolve(process.execPath, '..', '..');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-electron-native.js'), '--runtime', 'node', '--nodedir', nodedir, '--out', out], {
        encoding: 'utf8',
        timeout: 570_000,
      });
      const seconds = (performance.now() - t0) / 1000;
      expect(r.status, `${r.stdout}\n${r.stderr}`.slice(-3000)).toBe(0);
      console.log(`native build took ${seconds.toFixed(1)} s`);
      expect(native.looksNative(out)).toBe(true);
      expect(JSON.parse(readFileSync(path.join(path.dirname(out), 'build-info.json'), 'utf8'))).toMatchObject({ runtime: 'node', abi: process.versions.modules });
      const db = new Database(':memory:', { nativeBinding: out });
      expect(db.prepare('select 6 * 7 as n').get()).toEqual({ n: 42 });
      db.close();
      expect({ hash: createHash('sha256').update(readFileSync(installed)).digest('hex'), mtime: statSync(installed).mtimeMs }).toEqual(before);
      // A second run finds the binary and does not rebuild.
      const again = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-electron-native.js'), '--runtime', 'node', '--nodedir', nodedir, '--out', out], { encoding: 'utf8' });
      expect(again.stdout).toContain('exists (use --force to rebuild)');
    },
    600_000,
  );
});

describe('start-electron.js and dist.js', () => {
  it('plans a native build only when the Electron binary of better-sqlite3 is missing', () => {
    const { abi } = native.readElectron(ROOT);
    const binding = native.bindingPath(ROOT, abi);
    const all = start.plan(ROOT, () => true);
    expect(all).toMatchObject({ abi, binding, buildNative: false, mainBuilt: true, rendererBuilt: true });
    expect(start.plan(ROOT, (f) => f !== binding).buildNative).toBe(true);
    expect(start.plan(ROOT, (f) => !f.endsWith('main.js')).mainBuilt).toBe(false);
  });

  it('never starts Electron as Node or with injected Node options', () => {
    const env = start.electronEnv({ PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '--require /tmp/x.js', HOME: '/h' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/h' });
  });

  it('packages for the OS it runs on', () => {
    expect(dist.builderArgs('linux')).toEqual(['--linux', '--config', 'electron-builder.yml', '--publish', 'never']);
    expect(dist.builderArgs('darwin', ['--dir'])).toEqual(['--mac', '--config', 'electron-builder.yml', '--publish', 'never', '--dir']);
    expect(dist.builderArgs('win32')[0]).toBe('--win');
    expect(() => dist.builderArgs('aix')).toThrow();
  });
});

describe('npm start without a display', () => {
  it('points to `outflow serve` instead of failing inside Electron', () => {
    const { noDisplay } = require('../../scripts/start-electron.js') as { noDisplay: (env: NodeJS.ProcessEnv, platform: string) => boolean };
    expect(noDisplay({}, 'linux')).toBe(true);
    expect(noDisplay({ DISPLAY: ':0' }, 'linux')).toBe(false);
    expect(noDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(false);
    expect(noDisplay({}, 'darwin')).toBe(false);
  });
});
