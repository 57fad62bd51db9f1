// CPU of a real `outflow serve` over a window: the process, the children it reaped (forked ss) and
// its live children (ss -E, bpftrace), from /proc. Used by engine-cpu.js and precise-overhead.js.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, dist } = require('./dist');

const HZ = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s
const BIN = path.join(ROOT, 'bin', 'outflow.js');

/**
 * CPU seconds of a process: its threads' run time in nanoseconds (schedstat; the 10 ms clock ticks of
 * /proc/<pid>/stat are too coarse for a 0.3 % figure over 10 s windows) plus its reaped children.
 */
function cpuOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const reaped = (Number(f[13]) + Number(f[14])) / HZ;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      threads += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
    } catch {
      /* thread gone */
    }
  }
  return threads + reaped;
}

/** Resident memory of a process in MB. */
function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

function childPids(pid) {
  const out = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {
      /* thread gone */
    }
  }
  return out;
}

/** The process and its live children; a child that exits in the window is in cutime once reaped. */
function treeCpu(pid, kids) {
  let t = cpuOf(pid);
  for (const k of kids) {
    try {
      t += cpuOf(k);
    } catch {
      /* exited */
    }
  }
  return t;
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A fresh database set to poll once a second, busy or idle. */
function prepareDb(file) {
  const { openStore } = dist('electron/store/db');
  const { loadSettings, saveSettings } = dist('electron/store/queries/settings');
  const store = openStore({ path: file });
  saveSettings(store.db, loadSettings(store.db), { pollMs: 1000, idlePollMs: 1000 });
  store.db.close();
}

/** The URL and token `outflow serve` prints once it serves; rejects if it exits first. */
function servedUrl(child, stderr) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL: ${stderr()}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr()}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/\S+)#token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1], token: m[2] });
      }
    });
  });
}

/** Calls an API method of the running serve. */
async function api(url, method, input = {}) {
  const res = await fetch(new URL(`/api/${method}`, url.base), {
    method: 'POST',
    headers: { Authorization: `Bearer ${url.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Starts `outflow serve` on a fresh database and resolves once it serves (and `ready(url)` resolved).
 * The handle measures CPU over windows and stops the process.
 */
async function startServe({ env = {}, ready }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-bench-serve-'));
  const db = path.join(dir, 'o.db');
  prepareDb(db);
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--firewall', 'noop', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const cleanup = async () => {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await servedUrl(child, () => err);
    if (ready) await ready(url);
    return {
      url,
      pid: child.pid,
      /** CPU now (seconds), with the children alive now. */
      cpu: () => treeCpu(child.pid, childPids(child.pid)),
      rssMB: () => rssOf(child.pid),
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Runs the servers side by side (same machine, same moment, same sockets: a busy shared machine
 * then slows all of them alike) and measures each over `windows` consecutive windows of `windowS`.
 * Returns per server: the percent of one core over all windows, and the median window's.
 */
async function measureTogether(servers, { warmupS, windows, windowS }) {
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  const per = servers.map(() => []);
  let total = servers.map(() => 0);
  let seconds = 0;
  for (let w = 0; w < windows; w++) {
    const c0 = servers.map((s) => s.cpu());
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const dt = (performance.now() - t0) / 1000;
    seconds += dt;
    servers.forEach((s, i) => {
      const used = s.cpu() - c0[i];
      per[i].push((used / dt) * 100);
      total[i] += used;
    });
  }
  return servers.map((s, i) => {
    const sorted = [...per[i]].sort((a, b) => a - b);
    return { percentOfCore: (total[i] / seconds) * 100, medianWindowPercent: sorted[Math.floor(sorted.length / 2)], windowsPercent: per[i].map((x) => +x.toFixed(3)), cpuMs: total[i] * 1000, seconds, rssMB: s.rssMB() };
  });
}

/** One server alone: start, warm up, measure, optionally inspect its API, stop. */
async function measureServe({ label, env, warmupS, windowS, ready, inspect }) {
  const server = await startServe({ env, ready });
  try {
    const [r] = await measureTogether([server], { warmupS, windows: 1, windowS });
    const extra = inspect ? await inspect(server.url) : {};
    return { label, ...r, ...extra };
  } finally {
    await server.stop();
  }
}

// A bare Node process whose only work is a timer firing once a second: the floor under any engine
// polling at 1 Hz. On this shared VM that floor alone measured 0.1–0.9 % of a core from one minute to
// the next (waking a vCPU that idled is what costs, not the empty callback); measured beside the
// engines, it shows what waking up alone cost in those minutes. It does not normalise the engines'
// figures: in the same runs it moved far less than they did, so no figure is "corrected" by it.
const FLOOR_JOB = `
setInterval(() => {}, 1000);
process.stdout.write('ready\\n');`;

/** The floor process, with the same handle as startServe's for measureTogether. */
async function startFloor() {
  const child = spawn(process.execPath, ['-e', FLOOR_JOB], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return {
    pid: child.pid,
    cpu: () => cpuOf(child.pid),
    rssMB: () => rssOf(child.pid),
    stop: () => stop(child),
  };
}

module.exports = { startServe, startFloor, measureTogether, measureServe, api, stop, servedUrl };
