import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY, appUrl, isAppUrl, isHashRoute, routes } from '../../electron/desktop/app-origin';
import {
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  registerAppScheme,
  resolveAppPath,
  respondAppRequest,
  serveApp,
} from '../../electron/desktop/app-protocol';
import { FakeApp, FakeProtocol } from './fakes/fake-electron';

let base: string;
let root: string;
const SECRET = 'secret outside the renderer root';

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'outflow-proto-'));
  root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(root, '.env'), 'TOKEN=1');
  writeFileSync(path.join(base, 'secret.txt'), SECRET);
  writeFileSync(path.join(base, 'renderer-evil.txt'), SECRET);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

// Plain objects, as Request() itself refuses some hostile URLs before they could reach the handler.
const get = (url: string, method = 'GET') => respondAppRequest(root, { url, method });

describe('app:// protocol', () => {
  it('serves the entry and assets with the CSP and hardening headers', async () => {
    for (const url of ['app://outflow/', 'app://outflow/index.html', APP_ENTRY]) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('<!doctype html>');
    }
    const js = await get('app://outflow/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    const head = await get('app://outflow/assets/app.css', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses path traversal in every spelling, other hosts, methods, dotfiles and directories', async () => {
    const attempts: Array<[string, number[]]> = [
      ['app://outflow/../secret.txt', [404]],
      ['app://outflow/%2e%2e/secret.txt', [404]],
      ['app://outflow/assets/%2e%2e%2f%2e%2e%2fsecret.txt', [404]],
      ['app://outflow/..%2fsecret.txt', [404]],
      ['app://outflow/..%2f..%2f..%2f..%2fetc%2fpasswd', [404]],
      ['app://outflow/%5c..%5csecret.txt', [400]],
      ['app://outflow/assets/app.js%00.png', [400]],
      ['app://outflow/%E0%A4%A', [400]],
      ['app://outflow/../renderer-evil.txt', [404]],
      ['app://evil/index.html', [403]],
      ['app://outflow:99/index.html', [403]],
      ['app://user:pw@outflow/index.html', [403]],
      ['https://outflow/index.html', [403]],
      ['app://outflow/.env', [404]],
      ['app://outflow/assets', [404]],
      ['app://outflow/assets/', [404]],
      ['app://outflow/missing.js', [404]],
    ];
    for (const [url, statuses] of attempts) {
      const res = await get(url);
      expect(statuses, `${url} → ${res.status}`).toContain(res.status);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await res.text()).not.toContain(SECRET);
    }
    expect((await get('app://outflow/index.html', 'POST')).status).toBe(405);
  });

  it('resolveAppPath never returns a file outside the root', () => {
    const hostile = ['/..', '/../../x', '/a/../../x', '/%2e%2e%2f%2e%2e%2fx', '/.%2e/x', '/assets/..%2F..%2Fx', '//etc/passwd', '/C:%5cwindows'];
    for (const p of hostile) {
      const r = resolveAppPath(root, `app://outflow${p}`);
      if (r.ok) expect(path.relative(root, r.file).startsWith('..'), p).toBe(false);
    }
  });

  it('registers the scheme as privileged (standard, secure, no CSP bypass) and serves through protocol.handle', async () => {
    const app = new FakeApp({ userData: base, appPath: base });
    const protocol = new FakeProtocol(app);
    registerAppScheme(protocol);
    expect(protocol.privileged).toEqual([{ scheme: 'app', privileges: { ...APP_SCHEME_PRIVILEGES } }]);
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, bypassCSP: false, allowServiceWorkers: false, corsEnabled: true });
    app.becomeReady();
    serveApp(protocol, root);
    const handler = protocol.handlers.get('app');
    expect(handler).toBeDefined();
    const res = await handler!(new Request('app://outflow/assets/app.js'));
    expect(await res.text()).toBe('console.log(1)');
  });

  it('the CSP allows only our own origin and data: images', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:|blob:/);
  });
});

describe('app origin and routes', () => {
  it('recognises our origin by parts', () => {
    expect(isAppUrl('app://outflow/index.html#/alerts?id=3')).toBe(true);
    for (const u of ['app://outflow.evil/', 'app://evil/#outflow', 'file:///index.html', 'https://outflow/', 'app:outflow', 42, null]) {
      expect(isAppUrl(u), String(u)).toBe(false);
    }
  });

  it('builds routes the renderer reads from the location hash', () => {
    expect(appUrl()).toBe('app://outflow/index.html');
    expect(appUrl(routes.alert(12))).toBe('app://outflow/index.html#/alerts?id=12');
    expect(appUrl(routes.alerts)).toBe('app://outflow/index.html#/alerts');
    expect(() => routes.alert(0)).toThrow();
    expect(() => routes.alert(1.5)).toThrow();
    expect(isHashRoute('#/alerts?id=1')).toBe(true);
    expect(isHashRoute('#/x"><script>')).toBe(false);
    expect(isHashRoute('https://x')).toBe(false);
    expect(() => appUrl('#/a b' as never)).toThrow();
  });
});
