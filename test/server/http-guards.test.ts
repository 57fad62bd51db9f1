import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultEngine } from '../../electron/engine/default-engine';
import type { EngineHandle } from '../../electron/engine/ports';
import { startServer, type RunningServer } from '../../electron/server/http';
import { methodNames } from '../../electron/shared/contract';

// The browser transport refuses everything that is not our own page with our token, before the
// engine sees it: no token, wrong token, foreign Host (DNS rebinding) or Origin, oversized or
// hostile bodies, unknown routes.

let dir: string;
let engine: EngineHandle;
let server: RunningServer;
let base: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-http-'));
  engine = await createDefaultEngine({ dbPath: join(dir, 'o.db'), notifier: { notify: () => {} }, version: 'test', firewall: 'noop', mode: 'serve' });
  await engine.start();
  server = await startServer({ engine, host: '127.0.0.1', port: 0, staticDir: join(dir, 'ui') });
  base = new URL(server.url);
});
afterAll(async () => {
  await server?.close();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: base.port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
const auth = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });

describe('local server', () => {
  it('prints a URL with the real port and the token in the fragment', () => {
    expect(base.hostname).toBe('127.0.0.1');
    expect(Number(base.port)).toBeGreaterThan(0);
    expect(base.hash).toBe(`#token=${server.token}`);
  });

  it('answers a call with the token', async () => {
    const r = await raw({ path: '/api/status.get', headers: auth(), body: '{}' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).firewall.backend).toBe('noop');
  });

  it('rejects a missing or wrong token', async () => {
    expect((await raw({ path: '/api/status.get', body: '{}' })).status).toBe(401);
    const wrong = { ...auth(), Authorization: `Bearer ${'x'.repeat(server.token.length)}` };
    expect((await raw({ path: '/api/status.get', headers: wrong, body: '{}' })).status).toBe(401);
  });

  it('rejects a foreign Host header (DNS rebinding) and a foreign Origin, with no CORS headers', async () => {
    const evilHost = await raw({ path: '/api/status.get', headers: { ...auth(), Host: `attacker.example:${base.port}` }, body: '{}' });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await raw({ path: '/api/status.get', headers: { ...auth(), Origin: 'http://attacker.example' }, body: '{}' });
    expect(evilOrigin.status).toBe(403);
    expect(evilOrigin.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await raw({ path: '/api/status.get', headers: { ...auth(), Origin: `http://127.0.0.1:${base.port}` }, body: '{}' });
    expect(ok.status).toBe(200);
  });

  it('refuses oversized bodies before parsing, bad JSON, prototype keys and unknown routes', async () => {
    const big = await raw({ path: '/api/settings.set', headers: auth(), body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
    expect(big.status).toBe(413);
    const declared = await raw({ path: '/api/settings.set', headers: { ...auth(), 'Content-Length': String(64 * 1024 * 1024) }, body: '{}' });
    expect(declared.status).toBe(413);
    expect((await raw({ path: '/api/settings.set', headers: auth(), body: '{"pollMs":' })).status).toBe(400);
    const proto = await raw({ path: '/api/settings.set', headers: auth(), body: '{"__proto__":{"polluted":1}}' });
    expect(proto.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await raw({ path: '/api/nope', headers: auth(), body: '{}' })).status).toBe(404);
    expect((await raw({ method: 'GET', path: '/api/status.get', headers: auth() })).status).toBe(405);
  });

  it('rejects wrong types and hostile strings for every method with a clear message, and stores nothing', async () => {
    const before = await engine.call('settings.get', {});
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methodNames.filter((m) => m !== 'doctor.run')),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom('$(touch /tmp/outflow-pwned)', '`id`', '; rm -rf /', '\u202egnp.exe', 'a\nb', 'x\u0000y', 'é'.repeat(40_000)),
        ),
        async (method, hostile) => {
          const r = await raw({ path: `/api/${method}`, headers: auth(), body: JSON.stringify({ unexpected: hostile, limit: hostile }) });
          expect(r.status).toBe(400);
          expect(JSON.parse(r.body).error.code).toBe('invalid');
        },
      ),
      { numRuns: 60 },
    );
    expect(await engine.call('settings.get', {})).toEqual(before);
    expect(await engine.call('rules.list', {})).toEqual([]);
    expect(existsSync('/tmp/outflow-pwned')).toBe(false);
  });

  it('serves the UI with a strict CSP and refuses path traversal', async () => {
    const r = await raw({ method: 'GET', path: '/', headers: { Host: `127.0.0.1:${base.port}` } });
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'none'");
    expect((await raw({ method: 'GET', path: '/../../etc/passwd' })).status).not.toBe(200);
    expect((await raw({ method: 'GET', path: '/%2e%2e/%2e%2e/etc/passwd' })).status).toBe(403);
  });

  it('accepts a WebSocket only with the token subprotocol and pushes live events', async () => {
    const wsUrl = `ws://127.0.0.1:${base.port}/ws`;
    await expect(
      new Promise((resolve, reject) => {
        const bad = new WebSocket(wsUrl, ['outflow.v1', 'token.wrongwrongwrongwrong']);
        bad.on('open', () => reject(new Error('opened without the right token')));
        bad.on('error', resolve);
      }),
    ).resolves.toBeTruthy();
    const ws = new WebSocket(wsUrl, ['outflow.v1', `token.${server.token}`]);
    const messages: { event?: { type: string }; id?: number; result?: unknown }[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(m.toString())));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ id: 7, method: 'settings.get', input: {} }));
    await waitFor(() => messages.some((m) => m.id === 7) && messages.some((m) => m.event?.type === 'live'), 5000);
    expect((messages.find((m) => m.id === 7)!.result as { pollMs: number }).pollMs).toBe(1000);
    ws.close();
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
