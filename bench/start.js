#!/usr/bin/env node
// Start latency: launch `outflow serve` (the real CLI, fresh database) until the first live row —
// a loopback connection that was already sending before the launch — is visible through the API.
// Target ≤ 2 s. Baseline, measured in the same run: starting and exiting `node -e 0`.
//   node bench/start.js [--quick|--full]
// Measured twice: as a user starts it (precise mode is tried when root; it starts in the background)
// and with OUTFLOW_PRECISE=0 (polling only). Medians of 3 (quick) or 7 (full) launches.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./lib/dist');
const { servedUrl, stop } = require('./lib/serve-cpu');

const full = process.argv.includes('--full');
const RUNS = full ? 7 : 3;
const BIN = path.join(ROOT, 'bin', 'outflow.js');

// A process holding one loopback connection that sends a little every 100 ms (a live row to find).
const HOLDER = `
const net = require('node:net');
const server = net.createServer((s) => { s.on('data', () => {}); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const c = net.connect({ host: '127.0.0.1', port }, () => {
    process.stdout.write(port + '\\n');
    setInterval(() => c.write(Buffer.alloc(1024, 1)), 100);
  });
});`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function startHolder() {
  const child = spawn(process.execPath, ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) })));
}

function nodeBaseline() {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6)));
}

async function launch(port, env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-bench-start-'));
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const child = spawn(process.execPath, [BIN, 'serve', '--db', path.join(dir, 'o.db'), '--firewall', 'noop', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  try {
    const url = await servedUrl(child, () => err);
    const urlMs = elapsed();
    for (;;) {
      const res = await fetch(new URL('/api/live.snapshot', url.base), {
        method: 'POST',
        headers: { Authorization: `Bearer ${url.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      const snap = await res.json();
      if (snap.apps && snap.apps.some((a) => a.flows.some((f) => f.rport === port || f.lport === port))) return { urlMs, rowMs: elapsed() };
      if (elapsed() > 30_000) throw new Error('no live row within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const holder = await startHolder();
  try {
    const base = [];
    for (let i = 0; i < RUNS + 2; i++) base.push(await nodeBaseline());
    const variants = [
      ['as started by a user', {}],
      ['polling only (OUTFLOW_PRECISE=0)', { OUTFLOW_PRECISE: '0' }],
    ];
    const results = [];
    for (const [name, env] of variants) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await launch(holder.port, env));
      const rowMs = median(runs.map((r) => r.rowMs));
      results.push({ name, urlMs: median(runs.map((r) => r.urlMs)), rowMs, runs: runs.map((r) => Math.round(r.rowMs)), ratio: rowMs / median(base), targetMs: 2000 });
    }
    const baseMs = median(base);
    console.log(`baseline: node -e 0 = ${baseMs.toFixed(0)} ms (median of ${base.length})\n`);
    console.log('launch → first live row via the API    URL printed ms  first row ms  × baseline  target');
    for (const r of results) {
      console.log(`${r.name.padEnd(38)} ${r.urlMs.toFixed(0).padStart(14)}  ${r.rowMs.toFixed(0).padStart(12)}  ${r.ratio.toFixed(1).padStart(10)}  ≤ 2000 ms${r.rowMs > 2000 ? '  OVER' : ''}`);
    }
    console.log(JSON.stringify({ bench: 'start', mode: full ? 'full' : 'quick', baselineMs: baseMs, results }));
  } finally {
    holder.child.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
