import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_HOSTS, openExternalSafely, safeExternalUrl } from '../../electron/desktop/external-links';
import { hardenSession, hardenWebContents } from '../../electron/desktop/web-hardening';
import { mainWindowOptions } from '../../electron/desktop/window-options';
import { FakeSession, FakeWebContents } from './fakes/fake-electron';

const ROOT = path.resolve(__dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('BrowserWindow options', () => {
  const opts = mainWindowOptions({ preload: '/app/dist/electron/preload.js', devTools: false });
  const web = opts.webPreferences!;

  it('keep every security preference explicit', () => {
    expect(web).toMatchObject({
      preload: '/app/dist/electron/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(web.enableBlinkFeatures).toBe('');
    expect(opts.show).toBe(false);
    expect(mainWindowOptions({ preload: '/p.js', devTools: true }).webPreferences?.devTools).toBe(true);
  });

  it('have no other web preference that could loosen them', () => {
    const allowed = new Set([
      'preload',
      'contextIsolation',
      'sandbox',
      'nodeIntegration',
      'nodeIntegrationInWorker',
      'nodeIntegrationInSubFrames',
      'webviewTag',
      'webSecurity',
      'allowRunningInsecureContent',
      'experimentalFeatures',
      'enableBlinkFeatures',
      'navigateOnDragDrop',
      'spellcheck',
      'safeDialogs',
      'devTools',
    ]);
    expect(Object.keys(web).filter((k) => !allowed.has(k))).toEqual([]);
  });
});

describe('web contents hardening', () => {
  function hardened() {
    const contents = new FakeWebContents();
    const external: string[] = [];
    const logs: string[] = [];
    hardenWebContents(contents, { openExternal: (u) => external.push(u), log: (m) => logs.push(m) });
    return { contents, external, logs };
  }

  it('denies every new window; links go to openExternal (which applies the allow-list)', () => {
    const { contents, external } = hardened();
    expect(contents.windowOpenHandler).not.toBeNull();
    for (const url of ['https://github.com/outflow', 'https://evil.example/', 'javascript:alert(1)', 'app://outflow/index.html', 'file:///etc/passwd']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(external).toHaveLength(5);
  });

  it('prevents every navigation and redirect away, and every <webview>', () => {
    const { contents, external } = hardened();
    expect(contents.tryNavigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.tryNavigate('will-navigate', 'app://outflow/other.html')).toBe(true);
    expect(contents.tryNavigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.tryNavigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.tryNavigate('will-redirect', 'app://outflow/index.html')).toBe(false);
    expect(contents.tryNavigate('will-attach-webview')).toBe(true);
    expect(external).toEqual(['https://evil.example/', 'file:///etc/passwd']);
  });

  it('denies every permission request and check', () => {
    const session = new FakeSession();
    hardenSession(session, () => undefined);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) {
      let granted: boolean | null = null;
      session.requestHandler!(null, permission, (g) => {
        granted = g;
      });
      expect(granted, permission).toBe(false);
      expect(session.checkHandler!(null, permission), permission).toBe(false);
    }
  });

  it('cancels every request from a page to the network; app:// and data: are not touched', () => {
    const session = new FakeSession();
    hardenSession(session, () => undefined);
    for (const url of ['https://evil.example/x.js', 'http://127.0.0.1:8080/', 'wss://evil.example/socket', 'ws://localhost:1/', 'ftp://x/y']) {
      expect(session.request(url), url).toBe('cancelled');
    }
    for (const url of ['app://outflow/index.html', 'app://outflow/assets/app.js', 'devtools://devtools/bundled/inspector.html']) {
      expect(session.request(url), url).toBe('allowed');
    }
  });

  it('opens only parsed https URLs on the allow-list', async () => {
    expect(EXTERNAL_HOSTS).toEqual(['github.com']);
    expect(safeExternalUrl('https://github.com/outflow/outflow/issues')).toBe('https://github.com/outflow/outflow/issues');
    for (const bad of [
      'http://github.com/',
      'https://github.com.evil.example/',
      'https://evil.example/?https://github.com',
      'https://user@github.com/',
      'https://github.com:8443/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'app://outflow/',
      ' https://github.com/',
      `https://github.com/${'a'.repeat(3000)}`,
      42,
    ]) {
      expect(safeExternalUrl(bad), String(bad).slice(0, 60)).toBeNull();
    }
    const opened: string[] = [];
    const shell = { openExternal: async (u: string) => void opened.push(u) };
    expect(openExternalSafely(shell, 'https://github.com/a', () => undefined)).toBe(true);
    expect(openExternalSafely(shell, 'https://evil.example/', () => undefined)).toBe(false);
    expect(opened).toEqual(['https://github.com/a']);
  });
});

describe('static checks over electron/**', () => {
  const files = tsFiles(path.join(ROOT, 'electron'));
  const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

  it('only main.ts, preload.ts and electron/desktop/ import electron', () => {
    const importers = files.filter((f) => /from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)/.test(readFileSync(f, 'utf8'))).map(rel);
    expect(importers.filter((f) => !(f === 'electron/main.ts' || f === 'electron/preload.ts' || f.startsWith('electron/desktop/')))).toEqual([]);
    // In electron/desktop/ the import is for types only; the modules themselves are injected.
    for (const f of importers.filter((x) => x.startsWith('electron/desktop/'))) {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      expect(text, f).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+['"]electron['"]/m);
    }
  });

  it('no file loosens a web preference, loads file://, or runs a shell', () => {
    const forbidden: Array<[RegExp, string]> = [
      [/nodeIntegration\s*:\s*true/, 'nodeIntegration: true'],
      [/nodeIntegrationInSubFrames\s*:\s*true/, 'nodeIntegrationInSubFrames: true'],
      [/contextIsolation\s*:\s*false/, 'contextIsolation: false'],
      [/sandbox\s*:\s*false/, 'sandbox: false'],
      [/webSecurity\s*:\s*false/, 'webSecurity: false'],
      [/webviewTag\s*:\s*true/, 'webviewTag: true'],
      [/allowRunningInsecureContent\s*:\s*true/, 'allowRunningInsecureContent: true'],
      [/bypassCSP\s*:\s*true/, 'bypassCSP: true'],
      [/\.loadFile\(/, 'loadFile('],
      [/shell\s*:\s*true/, 'shell: true'],
      [/import\s*\{[^}]*\bexec(Sync)?\b[^}]*\}\s*from\s*['"](node:)?child_process['"]/, "child_process exec"],
      [/child_process['"]\)\.exec(Sync)?\b/, 'child_process exec'],
      [/\b(cp|childProcess|child_process)\.exec(Sync)?\(/, 'child_process exec'],
      [/enableRemoteModule/, 'remote module'],
      [/disableWebSecurity|--disable-web-security|no-sandbox/, 'disabled sandbox or web security'],
    ];
    const hits: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const [re, what] of forbidden) if (re.test(text)) hits.push(`${rel(f)}: ${what}`);
    }
    expect(hits).toEqual([]);
  });

  it('the desktop shell never relaxes its CSP', () => {
    // (Other documents, e.g. an exported standalone report, carry their own policy.)
    const shell = files.filter((f) => /^electron\/(main|preload)\.ts$|^electron\/desktop\//.test(rel(f)));
    expect(shell.length).toBeGreaterThan(10);
    expect(shell.filter((f) => /unsafe-(inline|eval|hashes)|wasm-unsafe-eval/.test(readFileSync(f, 'utf8'))).map(rel)).toEqual([]);
  });
});
