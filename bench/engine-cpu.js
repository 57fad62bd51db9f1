#!/usr/bin/env node
// Engine CPU at 1 Hz with 200 sockets (target ≤ 0.3 % of one core): the real `outflow serve`
// (collector, flow tracking, SQLite writes, HTTP server) polling once a second while 100 loopback
// connections (200 sockets) are held open. Two loads:
//   - busy: one connection sends 1 KiB every 100 ms, so no tick is "quiet": every tick lists every
//     socket, writes its bytes, and runs the detectors (the worst case at this socket count);
//   - idle: the connections only stay open (most of a workstation's sockets, most of the time), so
//     ticks where no interface counted a packet reuse the last listing.
// CPU = the serve process, the children it reaped (forked ss) and the long-lived `ss -E` child,
// from /proc. Both engines run side by side on their own databases, so a busy shared machine slows
// them alike; the window is cut in parts and the median part is printed too.
//   node bench/engine-cpu.js [--quick|--full]      quick: 20 s window; full: 60 s
// Measured in the same run: listing by forking `ss` each tick (OUTFLOW_SOCKDIAG=0, the baseline and
// the previous build's only way) and through the sock_diag addon (as shipped).
'use strict';
const { spawn } = require('node:child_process');
const { measureTogether, startServe } = require('./lib/serve-cpu');

const full = process.argv.includes('--full');
const WINDOW_S = full ? 60 : 20;
// Long enough for start-up work (JIT, the memory reducer's full GCs after loading) to be over.
const WARMUP_S = full ? 20 : 10;
const WINDOWS = full ? 6 : 2;
const CONNECTIONS = 100;

// 100 held connections; when SEND is set, the first sends 1 KiB every 100 ms.
const HOLDER = `
const net = require('node:net');
const server = net.createServer((s) => { s.on('data', () => {}); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const conns = [];
  for (let i = 0; i < ${CONNECTIONS}; i++) conns.push(await new Promise((r) => { const c = net.connect({ host: '127.0.0.1', port }, () => r(c)); }));
  if (process.env.SEND === '1') setInterval(() => conns[0].write(Buffer.alloc(1024, 1)), 100);
  process.stdout.write('ready\\n');
});`;

async function main() {
  const loads = [];
  for (const load of ['busy', 'idle']) {
    const holder = spawn(process.execPath, ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SEND: load === 'busy' ? '1' : '0' } });
    const servers = [];
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      // Both engines at once, on their own databases, watching the same sockets.
      servers.push(await startServe({ env: { OUTFLOW_PRECISE: '0', OUTFLOW_SOCKDIAG: '0' } }));
      servers.push(await startServe({ env: { OUTFLOW_PRECISE: '0' } }));
      const [baseline, shipped] = await measureTogether(servers, { warmupS: WARMUP_S, windows: WINDOWS, windowS: WINDOW_S / WINDOWS });
      loads.push({
        load,
        baseline: { label: 'forking ss each tick (OUTFLOW_SOCKDIAG=0)', ...baseline },
        shipped: { label: 'sock_diag addon (as shipped)', ...shipped },
        ratio: shipped.percentOfCore / baseline.percentOfCore,
      });
    } finally {
      for (const s of servers) await s.stop();
      holder.kill('SIGKILL');
    }
  }
  console.log(`engine at 1 Hz, ${CONNECTIONS * 2} held sockets; both engines side by side; ${WINDOW_S} s in ${WINDOWS} windows after ${WARMUP_S} s warm-up`);
  for (const l of loads) {
    console.log(`${l.load === 'busy' ? 'busy (one connection sending, every tick lists)' : 'idle (connections open, no traffic of their own)'}`);
    for (const r of [l.baseline, l.shipped]) {
      console.log(
        `  ${r.label.padEnd(44)} ${r.percentOfCore.toFixed(3).padStart(6)} % of a core (median window ${r.medianWindowPercent.toFixed(3)} %; ${r.cpuMs.toFixed(0)} ms CPU, RSS ${r.rssMB.toFixed(0)} MB)`,
      );
    }
    console.log(`  ratio as shipped / baseline: ${l.ratio.toFixed(2)}; target ≤ 0.3 % of a core: ${l.shipped.percentOfCore <= 0.3 ? 'met' : 'MISSED'}`);
  }
  console.log(JSON.stringify({ bench: 'engine-cpu', mode: full ? 'full' : 'quick', windowSeconds: WINDOW_S, windows: WINDOWS, warmupSeconds: WARMUP_S, sockets: CONNECTIONS * 2, loads, targetPercent: 0.3 }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
