#!/usr/bin/env node
// Tick cost of the Linux collector against raw `ss -tinH`, CPU at 1 Hz, and memory.
//   npx tsc -p tsconfig.node.json && node bench/tick-cost.js [--quick] [--levels 100,1000,5000] [--runs 15]
// Connections are real established loopback TCP connections held by separate child processes (both
// ends live there, so N connections list as 2N sockets; sockets other programs hold are listed too
// and are counted in the "listed" column). ss and snapshot() are timed alternately, after warm-up,
// and medians compared: wall time, and CPU time (this process + the reaped ss children), which a
// busy shared machine distorts less. CPU at 1 Hz counts this process, the reaped `ss` children
// and the long-lived `ss -E` child. Prints a table and one JSON line.
'use strict';
const { execFile, spawn, execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');

if (process.argv[2] === '--holder') {
  holder(Number(process.argv[3]));
} else if (process.argv[2] === '--rss-child') {
  rssChild().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

// Holds `n` loopback connections (2n sockets) until killed.
function holder(n) {
  const server = net.createServer((s) => s.on('error', () => {}));
  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    let opened = 0;
    let inFlight = 0;
    const open = () => {
      while (inFlight < 64 && opened < n) {
        opened++;
        inFlight++;
        const c = net.connect({ host: '127.0.0.1', port }, () => {
          c.write('x');
          inFlight--;
          if (opened === n && inFlight === 0) process.stdout.write(`ready ${n}\n`);
          else open();
        });
        c.on('error', (e) => {
          process.stderr.write(`holder: ${e.message}\n`);
          process.exit(2);
        });
      }
    };
    open();
  });
}

// Memory of the collector alone: a fresh process, baseline before the collector exists, then after
// ticks at the held socket count (GC forced before each reading).
async function rssChild() {
  const { createLinuxCollector } = require('../dist/electron/collector/linux.js');
  global.gc();
  const base = process.memoryUsage();
  const c = createLinuxCollector();
  await c.start();
  let listed = 0;
  for (let i = 0; i < 10; i++) listed = (await c.snapshot()).sockets.length;
  global.gc();
  const m = process.memoryUsage();
  await c.stop();
  process.stdout.write(
    JSON.stringify({ listed, rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, baseRssMB: base.rss / 2 ** 20, baseHeapUsedMB: base.heapUsed / 2 ** 20 }) + '\n',
  );
}

function args() {
  const a = process.argv.slice(2);
  const get = (name, dflt) => {
    const i = a.indexOf(name);
    return i === -1 ? dflt : a[i + 1];
  };
  return {
    quick: a.includes('--quick'),
    levels: get('--levels', '100,500,1000,2500,5000').split(',').map(Number),
    runs: Math.max(15, Number(get('--runs', '15'))),
    cpuConnections: Number(get('--cpu-connections', '100')),
    rssConnections: Number(get('--rss-connections', '2500')),
  };
}

function nofileLimits() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.trim().split(/\s+/).slice(3, 5).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft, hard };
}

function hasPrlimit() {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Spawns enough holders for `connections`, each within the fd limit it can get.
async function holdConnections(connections) {
  const { soft, hard } = nofileLimits();
  const isRoot = process.getuid() === 0;
  const want = 2 * connections + 64;
  let limit = soft;
  let viaPrlimit = false;
  if (soft < want && hasPrlimit()) {
    // Raise the child's soft limit up to the hard one; root may raise the hard limit too.
    limit = isRoot ? Math.max(want, hard === Infinity ? want : hard) : hard;
    viaPrlimit = limit > soft;
  }
  const perHolder = Math.max(1, Math.floor((Math.min(limit, 1 << 20) - 64) / 2));
  const holders = [];
  let left = connections;
  while (left > 0) {
    const n = Math.min(left, perHolder);
    left -= n;
    const argv = [process.execPath, __filename, '--holder', String(n)];
    const child = viaPrlimit
      ? spawn('prlimit', [`--nofile=${limit}:${Math.max(limit, hard === Infinity ? limit : hard)}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    holders.push(child);
    await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
  }
  return {
    holders,
    note: `${holders.length} holder(s), fd limit ${limit}${viaPrlimit ? ' (raised with prlimit)' : ''}`,
    release: () => {
      for (const h of holders) {
        if (h.pid && h.exitCode === null && h.signalCode === null) process.kill(h.pid, 'SIGKILL');
      }
    },
  };
}

function rawSs() {
  return new Promise((resolve, reject) => {
    execFile('ss', ['-tinH'], { encoding: 'utf8', maxBuffer: 1 << 30 }, (err, out) => (err ? reject(err) : resolve(out.length)));
  });
}

/** Wall ms and CPU ms (this process + reaped children) of one call. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const k0 = childCpuSeconds();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 + (childCpuSeconds() - k0) * 1000 };
}

/** CPU seconds of reaped children (ss) from /proc/self/stat (cutime + cstime). */
function childCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / clkTck();
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** CPU seconds of this process and its reaped children, from /proc/self/stat (fields 14-17). */
function selfCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / clkTck();
}

function pidCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clkTck();
  } catch {
    return 0;
  }
}

let tck = null;
function clkTck() {
  if (tck === null) tck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return tck;
}

function eventsChildPid() {
  for (const tid of require('node:fs').readdirSync(`/proc/${process.pid}/task`)) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim();
    } catch {
      continue;
    }
    for (const p of kids ? kids.split(/\s+/) : []) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('-E')) return Number(p);
      } catch {
        /* gone */
      }
    }
  }
  return null;
}

async function main() {
  const opts = args();
  let mod;
  try {
    mod = require('../dist/electron/collector/linux.js');
  } catch (err) {
    throw new Error(`build first: npx tsc -p tsconfig.node.json (${err.message})`);
  }
  // Tick cost compares listings: the quiet-machine shortcut (no listing when no packet moved) is off
  // here. Two collectors: forking ss each tick (the fallback without the addon, and the previous
  // build) and sock_diag through the addon (as shipped).
  const viaSs = mod.createLinuxCollector({ quietSkip: false, sockdiag: false });
  const collector = mod.createLinuxCollector({ quietSkip: false });
  const caps = await collector.start();
  await viaSs.start();
  console.log(`collector: mode=${caps.mode} seesClosedSockets=${caps.seesClosedSockets} listing=${collector.stats().listing}${collector.stats().listingNote ? ` (${collector.stats().listingNote})` : ''}`);
  const results = { levels: [], cpu: null, rss: null, machine: { cores: require('node:os').cpus().length, ss: execFileSync('ss', ['-V'], { encoding: 'utf8' }).trim() } };

  console.log('\nconnections  listed  | wall ms: ss -tinH  tick(ss)  ratio  tick(sock_diag)  ratio | CPU ms: ss -tinH  tick(ss)  ratio  tick(sock_diag)  ratio | holders');
  for (const n of opts.levels) {
    const held = await holdConnections(n);
    try {
      // Warm-up: the first snapshot resolves every new socket's owner (the /proc walk).
      const first = (await timed(() => collector.snapshot())).wall;
      await viaSs.snapshot();
      for (let i = 0; i < 3; i++) {
        await rawSs();
        await viaSs.snapshot();
        await collector.snapshot();
      }
      const ss = [];
      const snapSs = [];
      const snap = [];
      let listed = 0;
      for (let i = 0; i < opts.runs; i++) {
        ss.push(await timed(rawSs));
        snapSs.push(await timed(() => viaSs.snapshot()));
        snap.push(await timed(async () => (listed = (await collector.snapshot()).sockets.length)));
      }
      const wall = (xs) => median(xs.map((x) => x.wall));
      const cpu = (xs) => mean(xs.map((x) => x.cpu));
      const row = {
        connections: n,
        sockets: listed,
        rawSsMs: wall(ss),
        // The ss path: the tick as it was, and as it runs without the addon.
        ssTickMs: wall(snapSs),
        ssRatio: wall(snapSs) / wall(ss),
        // As shipped.
        snapshotMs: wall(snap),
        ratio: wall(snap) / wall(ss),
        // Means: child CPU comes in clock ticks (10 ms), so per-call values only average out.
        rawSsCpuMs: cpu(ss),
        ssTickCpuMs: cpu(snapSs),
        ssCpuRatio: cpu(snapSs) / cpu(ss),
        snapshotCpuMs: cpu(snap),
        cpuRatio: cpu(snap) / cpu(ss),
        firstSnapshotMs: first,
        walks: collector.stats().inodeWalks,
      };
      results.levels.push(row);
      const f = (v, w) => v.toFixed(1).padStart(w);
      const r = (v, w) => v.toFixed(2).padStart(w);
      console.log(
        `${String(n).padStart(11)}  ${String(listed).padStart(6)}  | ${f(row.rawSsMs, 16)}  ${f(row.ssTickMs, 8)}  ${r(row.ssRatio, 5)}  ${f(row.snapshotMs, 15)}  ${r(row.ratio, 5)} | ${f(row.rawSsCpuMs, 15)}  ${f(row.ssTickCpuMs, 8)}  ${r(row.ssCpuRatio, 5)}  ${f(row.snapshotCpuMs, 15)}  ${r(row.cpuRatio, 5)} | ${held.note}; first snapshot ${first.toFixed(0)} ms`,
      );
    } finally {
      held.release();
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await viaSs.stop();

  // Collector CPU at 1 Hz in steady state (the whole engine: bench/engine-cpu.js): listing every
  // tick and as shipped (no listing while no packet moves; the held connections are idle, as most
  // of a workstation's are), each by forking ss and through sock_diag.
  const seconds = opts.quick ? 10 : 60;
  const held = await holdConnections(opts.cpuConnections);
  results.cpuVariants = [];
  try {
    for (const [label, options] of [
      ['ss, listing every tick', { quietSkip: false, sockdiag: false }],
      ['ss, quiet ticks skip the listing', { sockdiag: false }],
      ['sock_diag, listing every tick', { quietSkip: false }],
      ['sock_diag, quiet ticks skip the listing (as shipped)', {}],
    ]) {
      const c = mod.createLinuxCollector(options);
      await c.start();
      await c.snapshot();
      await c.snapshot();
      const evPid = eventsChildPid();
      const cpu0 = selfCpuSeconds();
      const ev0 = evPid ? pidCpuSeconds(evPid) : 0;
      const t0 = performance.now();
      let listed = 0;
      for (let i = 0; i < seconds; i++) {
        const start = performance.now();
        listed = (await c.snapshot()).sockets.length;
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - start))));
      }
      const wall = (performance.now() - t0) / 1000;
      const cpu = selfCpuSeconds() - cpu0 + (evPid ? pidCpuSeconds(evPid) - ev0 : 0);
      const entry = { label, seconds: wall, sockets: listed, percentOfCore: (cpu / wall) * 100, cpuSeconds: cpu, quietTicks: c.stats().quietTicks, listing: c.stats().listing };
      results.cpuVariants.push(entry);
      if (label.startsWith('sock_diag, listing every')) results.cpu = entry;
      if (label.endsWith('(as shipped)')) results.cpuShipped = entry;
      console.log(`\nCPU at 1 Hz, ${label}, ${listed} sockets listed, ${wall.toFixed(0)} s: ${entry.percentOfCore.toFixed(3)} % of one core (${(cpu * 1000).toFixed(0)} ms CPU incl. ss children and ss -E; ${entry.quietTicks} quiet ticks)`);
      await c.stop();
    }
  } finally {
    held.release();
  }
  await collector.stop();

  // Memory in a fresh process that runs only the collector.
  const heldRss = await holdConnections(opts.rssConnections);
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--rss-child'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    results.rss = { connections: opts.rssConnections, ...JSON.parse(out.trim().split('\n').pop()) };
    const r = results.rss;
    console.log(
      `RSS with ${r.listed} sockets listed (${r.connections} held connections): ${r.rssMB.toFixed(1)} MB, heap used ${r.heapUsedMB.toFixed(1)} MB; the same process before the collector: ${r.baseRssMB.toFixed(1)} MB / ${r.baseHeapUsedMB.toFixed(1)} MB`,
    );
  } finally {
    heldRss.release();
  }
  console.log(JSON.stringify(results));
}
