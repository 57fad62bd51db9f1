import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBareNs, createTestNet, type TestNet } from '../helpers/netns';
import { assertBuilt, ROOT, serve, type Served } from '../helpers/outflow-cli';
import { missing } from '../helpers/requires';
import { runClient, SINK } from '../helpers/clients';

// The real renderer in Debian's Chromium against a real `outflow serve`, with real traffic from a
// client namespace (where the engine, its nftables table and Chromium run) to a test host in a
// second namespace. Nothing here touches the host's own ruleset or network.

const why = missing(['root', 'netns', 'nft', 'chromium']);
const SHOTS = join(ROOT, 'test-artifacts', 'e2e');
const APP = 'outflow-e2e-client';
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

let cli: { ns: string; destroy(): void };
let srv: TestNet;
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
const exes = new Map<string, string>();

/** Runs the test client inside the client namespace under the executable called `name`. */
const client = (name: string, args: string[]) => runClient(exes.get(name)!, args, { wrapper: ['ip', 'netns', 'exec', cli.ns] });

const hold = (name: string, ms: number) => client(name, ['tcp', srv.peerV4, '7001', String(2 * 1024 * 1024), String(256 * 1024), String(ms)]);

describe.skipIf(why)('the UI against a real engine', () => {
  beforeAll(async () => {
    assertBuilt();
    cli = createBareNs('e2c');
    srv = createTestNet('e2s', 32, cli.ns);
    const sink = srv.spawnIn(process.execPath, [SINK, srv.peerV4, srv.peerV6]);
    await new Promise<void>((resolve) => sink.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()));
    dir = mkdtempSync(join(tmpdir(), 'outflow-e2e-'));
    for (const name of [APP, HOSTILE]) {
      const path = join(dir, name);
      linkSync(process.execPath, path);
      exes.set(name, path);
    }
    served = await serve(['--db', join(dir, 'outflow.db'), '--quiet'], ['ip', 'netns', 'exec', cli.ns], { OUTFLOW_PRECISE: '0' });
    // Chromium runs in the client namespace too, where the engine's 127.0.0.1 is.
    const wrapper = join(dir, 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${cli.ns} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    srv?.destroy();
    cli?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the app in Live with its destination and bytes', async () => {
    const running = hold(APP, 6000);
    await page.goto(served.url);
    const appRow = page.locator('[data-testid="live-app-row"]', { hasText: APP });
    await appRow.waitFor({ timeout: 15_000 });
    const flowRow = page.locator('[data-testid="live-flow-row"]', { hasText: srv.peerV4 });
    if (!(await flowRow.first().isVisible())) await appRow.click();
    await flowRow.first().waitFor({ timeout: 10_000 });
    await expect.poll(async () => flowRow.first().innerText(), { timeout: 10_000 }).toMatch(/7001/);
    await expect.poll(async () => appRow.innerText(), { timeout: 10_000 }).toMatch(/MB/);
    await page.screenshot({ path: join(SHOTS, 'live.png') });
    await running;
  });

  it('blocks the destination from its row: the next connection is refused; undo restores it', async () => {
    const running = hold(APP, 8000);
    const flowRow = page.locator('[data-testid="live-flow-row"]', { hasText: srv.peerV4 }).first();
    await flowRow.waitFor({ timeout: 15_000 });
    await flowRow.locator('[data-testid="block-flow"]').click();
    const dialog = page.locator('[data-testid="block-dialog"]');
    await dialog.waitFor();
    await dialog.locator('input[name="scope"][value="dest-all"]').check();
    await page.screenshot({ path: join(SHOTS, 'block-dialog.png') });
    await dialog.locator('[data-testid="block-confirm"]').click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await client(APP, ['tcp', srv.peerV4, '7001', '1000', '0', '0'])).error).toBe('ECONNREFUSED');
    await page.locator('[data-testid="blocked-badge"]').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'blocked.png') });
    await running.catch(() => undefined);

    await page.locator('[data-testid="nav-rules"]').click();
    await page.locator('[data-testid="rule-row"]', { hasText: srv.peerV4 }).waitFor();
    await page.locator('[data-testid="enforcement-banner"]').waitFor();
    expect(await page.locator('[data-testid="enforcement-banner"]').innerText()).toMatch(/enforc/i);
    await page.screenshot({ path: join(SHOTS, 'rules.png') });
    await page.locator('[data-testid="rule-row"]', { hasText: srv.peerV4 }).locator('[data-testid="rule-delete"]').click();
    await page.locator('[data-testid="rule-row"]', { hasText: srv.peerV4 }).waitFor({ state: 'detached', timeout: 10_000 });
    const again = await client(APP, ['tcp', srv.peerV4, '7001', '1000', '0', '0']);
    expect(again.error).toBeUndefined();
    expect(again.sent).toBe(1000);
  });

  it('finds the flow in History and exports it as CSV', async () => {
    await page.locator('[data-testid="nav-history"]').click();
    await page.locator('[data-testid="history-search"]').fill(APP);
    await page.locator('[data-testid="history-run"]').click();
    await page.locator('[data-testid="history-row"]', { hasText: srv.peerV4 }).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'history.png') });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-csv"]').click()]);
    const file = join(dir, 'export.csv');
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    expect(csv).toContain(srv.peerV4);
    expect(csv).toContain(APP);
  });

  it('renders a hostile process name as plain text', async () => {
    const running = hold(HOSTILE, 6000);
    await page.locator('[data-testid="nav-live"]').click();
    const row = page.locator('[data-testid="live-app-row"]', { hasText: HOSTILE });
    await row.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('[data-testid="live-table"] img[src="x"]').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'hostile.png') });
    await running;
  });
});
