import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cost, report } from '../../electron/cli/commands/insight';
import { UsageError } from '../../electron/cli/args';
import type { CostSummary } from '../../electron/insight/cost';
import { trafficDb, type TrafficDb } from './fixture';

// `outflow cost` and `outflow report` run as the CLI runs them, against a database on disk.

const ctx = { version: 'test' };
const GB = 1e9;

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await fn();
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

let t: TrafficDb;
beforeEach(() => {
  t = trafficDb();
  const app = t.app('/usr/bin/uploader');
  const now = Date.now();
  t.send(now - 3_600_000, app, t.remote('203.0.113.9', { host: 'bucket.storage.example', country: 'US', asn: 64500, org: 'Example Cloud' }), 2 * GB);
  t.send(now - 40 * 86_400_000, app, t.remote('203.0.113.10', { country: 'DE', asn: 64501, org: 'Old' }), 1 * GB);
  t.db.prepare("INSERT INTO settings (key, value) VALUES ('user.costPerGb', '0.12'), ('user.currency', '\"EUR\"')").run();
});
afterEach(() => t.close());

describe('outflow cost / report', () => {
  it('cost --json --since 30d prints the summary with the configured price', async () => {
    const { code, out } = await capture(() => cost(['--db', t.path, '--json', '--since', '30d'], ctx));
    expect(code).toBe(0);
    const s = JSON.parse(out) as CostSummary;
    expect(s.total.bytes).toBe(2 * GB);
    expect(s.total.cost).toBeCloseTo(0.24, 10);
    expect(s.currency).toBe('EUR');
    expect(s.byApp[0]).toMatchObject({ name: 'uploader', bytes: 2 * GB });
    expect(s.byDestination[0]).toMatchObject({ destination: 'storage.example', org: 'Example Cloud' });
  });

  it('cost prints a table for people', async () => {
    const { out } = await capture(() => cost(['--db', t.path, '--since', '30d'], ctx));
    expect(out).toMatch(/^Internet egress 2\.00 GB = 0\.24 EUR at 0\.12 EUR\/GB/);
    expect(out).toMatch(/uploader\s+2\.00 GB\s+0\.24 EUR\s+\/usr\/bin\/uploader/);
  });

  it('report --format html|csv --outside writes the report to stdout', async () => {
    const html = await capture(() => report(['--db', t.path, '--since', '30d', '--format', 'html', '--outside', 'DE,FR'], ctx));
    expect(html.out).toMatch(/^<!DOCTYPE html>/);
    expect(html.out).toContain('countries other than DE, FR');
    expect(html.out).toContain('AS64500 Example Cloud');
    const csv = await capture(() => report(['--db', t.path, '--since', '60d', '--format', 'csv', '--outside', 'us'], ctx));
    const lines = csv.out.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^uploader,\/usr\/bin\/uploader,DE,64501,Old,internet,1,,1000000000,0,1,/);
  });

  it('refuses bad arguments without output', async () => {
    await expect(report(['--db', t.path, '--outside', 'Germany'], ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(report(['--db', t.path, '--format', 'pdf'], ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(cost(['--db', t.path, '--since', 'yesterday'], ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(cost(['--db', `${t.dir}/missing.db`], ctx)).rejects.toThrow(/no Outflow database/);
  });
});
