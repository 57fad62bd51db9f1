import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTOSTART_FILE, autostartDir, autostartEntry, quoteExecArg, setLinuxAutostart } from '../../electron/desktop/linux-autostart';
import { applyStartAtLogin, launchCommand, startedHidden } from '../../electron/desktop/login-item';

/** Reads an Exec= value back the way a Desktop Entry consumer does: string unescaping, then argument unquoting. */
function parseExec(value: string): string[] {
  const unescaped = value.replace(/\\(.)/g, (_m, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? `\\${c}`);
  const args: string[] = [];
  let i = 0;
  while (i < unescaped.length) {
    if (unescaped[i] === ' ') {
      i += 1;
      continue;
    }
    let arg = '';
    if (unescaped[i] === '"') {
      i += 1;
      while (i < unescaped.length && unescaped[i] !== '"') {
        if (unescaped[i] === '\\' && /["`$\\]/.test(unescaped[i + 1] ?? '')) i += 1;
        arg += unescaped[i];
        i += 1;
      }
      i += 1;
    } else {
      while (i < unescaped.length && unescaped[i] !== ' ') arg += unescaped[i++];
    }
    args.push(arg.replace(/%%/g, '%'));
  }
  return args;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'outflow-autostart-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('XDG autostart entry', () => {
  it('quotes Exec arguments so they read back exactly', () => {
    const hostile = ['/opt/Out flow/outflow', '/home/a"b/$HOME/`id`/x\\y', '/tmp/100%/app', '--hidden', "/it's/here"];
    for (const arg of hostile) expect(parseExec(quoteExecArg(arg)), arg).toEqual([arg]);
    const entry = autostartEntry(hostile);
    const exec = entry.split('\n').find((l) => l.startsWith('Exec='))!.slice(5);
    expect(parseExec(exec)).toEqual(hostile);
    expect(quoteExecArg('/usr/bin/outflow')).toBe('/usr/bin/outflow');
  });

  it('refuses control characters and relative commands', () => {
    expect(() => quoteExecArg('/tmp/a\nExec=/bin/sh')).toThrow(/control characters/);
    expect(() => autostartEntry(['outflow'])).toThrow(/absolute/);
    expect(() => autostartEntry([])).toThrow();
  });

  it('writes the entry atomically, leaves an identical one alone, removes it when off', () => {
    const target = path.join(dir, 'autostart');
    setLinuxAutostart(target, ['/opt/Outflow/outflow', '--hidden']);
    const file = path.join(target, AUTOSTART_FILE);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('\nExec=/opt/Outflow/outflow --hidden\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const mtime = statSync(file).mtimeMs;
    setLinuxAutostart(target, ['/opt/Outflow/outflow', '--hidden']);
    expect(statSync(file).mtimeMs).toBe(mtime);
    writeFileSync(path.join(target, 'other.desktop'), 'x');
    setLinuxAutostart(target, null);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(path.join(target, 'other.desktop'))).toBe(true);
    setLinuxAutostart(target, null); // removing twice is fine
  });

  it('honours XDG_CONFIG_HOME only when absolute', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe('/x/cfg/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe('/home/u/.config/autostart');
    expect(autostartDir({}, '/home/u')).toBe('/home/u/.config/autostart');
  });
});

describe('start at login per OS', () => {
  const app = (isPackaged: boolean) => {
    const calls: unknown[] = [];
    return { calls, isPackaged, getAppPath: () => '/src/outflow', setLoginItemSettings: (s: unknown) => void calls.push(s) };
  };

  it('starts the same app again: AppImage file, packaged executable, or electron + app dir', () => {
    expect(launchCommand({ app: app(true), execPath: '/tmp/.mount_x/outflow', env: { APPIMAGE: '/home/u/Outflow.AppImage' } })).toEqual(['/home/u/Outflow.AppImage', '--hidden']);
    expect(launchCommand({ app: app(true), execPath: '/opt/Outflow/outflow', env: {} })).toEqual(['/opt/Outflow/outflow', '--hidden']);
    expect(launchCommand({ app: app(false), execPath: '/src/outflow/node_modules/electron/dist/electron', env: {} })).toEqual([
      '/src/outflow/node_modules/electron/dist/electron',
      '/src/outflow',
      '--hidden',
    ]);
  });

  it('uses login items on macOS and Windows, the autostart file on Linux', () => {
    const a = app(true);
    applyStartAtLogin(true, { platform: 'darwin', app: a, execPath: '/x', env: {}, autostartDir: dir });
    applyStartAtLogin(false, { platform: 'win32', app: a, execPath: '/x', env: {}, autostartDir: dir });
    expect(a.calls).toEqual([
      { openAtLogin: true, args: ['--hidden'] },
      { openAtLogin: false, args: ['--hidden'] },
    ]);
    applyStartAtLogin(true, { platform: 'linux', app: a, execPath: '/opt/Outflow/outflow', env: {}, autostartDir: dir });
    expect(a.calls).toHaveLength(2);
    expect(existsSync(path.join(dir, AUTOSTART_FILE))).toBe(true);
    expect(startedHidden(['/opt/Outflow/outflow', '--hidden'])).toBe(true);
    expect(startedHidden(['/opt/Outflow/outflow'])).toBe(false);
  });
});
