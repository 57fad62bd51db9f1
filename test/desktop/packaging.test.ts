// Runs electron-builder for real on a throw-away copy of the project, with a stand-in Electron
// (electronDist: a binary carrying a real fuse wire) since the real one cannot be downloaded here.
// Checks what ends up in the unpacked Linux app: asar contents, unpacked natives and helper, extra
// resources, and that the afterPack hook flipped the fuses in the packaged executable.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeElectronBinary } from './fakes/fake-electron-binary';

const ROOT = path.resolve(__dirname, '../..');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const builderDir = path.dirname(requireFromRoot.resolve('electron-builder/package.json'));
const asar = createRequire(path.join(builderDir, 'package.json'))('@electron/asar') as {
  listPackage(archive: string, options?: unknown): string[];
  extractFile(archive: string, file: string): Buffer;
};
const electronVersion = JSON.parse(readFileSync(requireFromRoot.resolve('electron/package.json'), 'utf8')).version as string;
const abi = readFileSync(path.join(path.dirname(requireFromRoot.resolve('electron/package.json')), 'abi_version'), 'utf8').trim();

let project: string;
let out: string;
let result: { status: number | null; output: string };

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'outflow-pack-'));
  for (const f of ['package.json', 'electron-builder.yml']) cpSync(path.join(ROOT, f), path.join(project, f));
  for (const d of ['build', 'assets']) cpSync(path.join(ROOT, d), path.join(project, d), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  const files: Record<string, string> = {
    'dist/electron/main.js': "require('./desktop/desktop-app');",
    'dist/electron/main.js.map': '{}',
    'dist/electron/preload.js': "require('electron');",
    'dist/electron/desktop/desktop-app.js': '',
    'dist/electron/firewall/helper/main.js': "require('../../shared/contract');",
    'dist/electron/shared/contract.js': "require('zod');",
    'dist/renderer/index.html': '<!doctype html>',
    'dist/renderer/assets/index-abc.js': '',
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(project, f)), { recursive: true });
    writeFileSync(path.join(project, f), text);
  }
  // Any ELF stands in for the Electron build of better-sqlite3.
  const native = path.join(project, 'native', `electron-${abi}`, 'better_sqlite3.node');
  mkdirSync(path.dirname(native), { recursive: true });
  cpSync(requireFromRoot.resolve('better-sqlite3/build/Release/better_sqlite3.node'), native);
  const dist = path.join(project, 'stand-in-electron');
  fakeElectronBinary(path.join(dist, 'electron'));
  writeFileSync(path.join(dist, 'chrome-sandbox'), '');
  writeFileSync(path.join(dist, 'LICENSE'), 'MIT');
  writeFileSync(path.join(dist, 'version'), electronVersion);
  mkdirSync(path.join(dist, 'resources'));

  const cli = requireFromRoot.resolve('electron-builder/cli.js');
  const r = spawnSync(
    process.execPath,
    [cli, '--linux', 'dir', '--config', 'electron-builder.yml', `-c.electronDist=${dist}`, `-c.electronVersion=${electronVersion}`, '--publish', 'never'],
    { cwd: project, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ELECTRON_BUILDER_CACHE: path.join(project, '.cache') } },
  );
  result = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  out = path.join(project, 'release', 'linux-unpacked');
}, 200_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('electron-builder --linux dir with a stand-in Electron', () => {
  it('packages without errors and runs the afterPack hook', () => {
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('fuses flipped in');
    expect(existsSync(path.join(out, 'outflow'))).toBe(true);
  });

  it('the packaged executable has its fuses flipped', async () => {
    const wire = await getCurrentFuseWire(path.join(out, 'outflow'));
    expect(String.fromCharCode(wire[FuseV1Options.RunAsNode]!)).toBe('0');
    expect(String.fromCharCode(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]!)).toBe('0');
    expect(String.fromCharCode(wire[FuseV1Options.EnableNodeCliInspectArguments]!)).toBe('0');
    expect(String.fromCharCode(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]!)).toBe('1');
    expect(String.fromCharCode(wire[FuseV1Options.OnlyLoadAppFromAsar]!)).toBe('1');
    expect(String.fromCharCode(wire[FuseV1Options.EnableCookieEncryption]!)).toBe('1');
  });

  it('app.asar holds the app, its icons and production modules, and nothing that is not needed', () => {
    const archive = path.join(out, 'resources', 'app.asar');
    const list = asar.listPackage(archive).map((p) => p.split(path.sep).join('/'));
    for (const f of [
      '/package.json',
      '/dist/electron/main.js',
      '/dist/electron/preload.js',
      '/dist/renderer/index.html',
      '/dist/renderer/assets/index-abc.js',
      '/assets/icons/512x512.png',
      '/assets/tray/tray-normal-24.png',
      '/assets/tray/tray-alert-template-32.png',
      `/native/electron-${abi}/better_sqlite3.node`,
      '/node_modules/better-sqlite3/lib/index.js',
      '/node_modules/zod/package.json',
    ]) {
      expect(list, f).toContain(f);
    }
    expect(list.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(list.filter((p) => p.startsWith('/node_modules/better-sqlite3/build/') || p.startsWith('/node_modules/better-sqlite3/deps/'))).toEqual([]);
    expect(list.filter((p) => p.startsWith('/node_modules/electron/') || p.startsWith('/node_modules/vitest/'))).toEqual([]);
    expect(JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')).main).toBe('dist/electron/main.js');
  });

  it('unpacks the native module and the helper’s code, and ships the helper launcher and polkit action', () => {
    const unpacked = path.join(out, 'resources', 'app.asar.unpacked');
    expect(statSync(path.join(unpacked, 'native', `electron-${abi}`, 'better_sqlite3.node')).size).toBeGreaterThan(100_000);
    expect(existsSync(path.join(unpacked, 'dist', 'electron', 'firewall', 'helper', 'main.js'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'dist', 'electron', 'shared', 'contract.js'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'node_modules', 'zod', 'package.json'))).toBe(true);
    const launcher = path.join(out, 'resources', 'linux', 'outflow-helper');
    expect(statSync(launcher).mode & 0o111).not.toBe(0);
    expect(readFileSync(launcher, 'utf8')).toContain('/opt/Outflow/resources/app.asar.unpacked/dist/electron/firewall/helper/main.js');
    expect(readFileSync(path.join(out, 'resources', 'linux', 'org.outflow.helper.policy'), 'utf8')).toContain('org.outflow.helper.apply');
  });
});
