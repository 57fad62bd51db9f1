// A synthetic busy workstation, as scripted collector snapshots (the engine's `Snapshot` shape):
// about 2 000 live connections and 300 new ones a minute, from ~30 apps to a few thousand
// destinations with a realistic skew (a handful of CDNs and APIs take most connections), TCP mostly,
// QUIC/DNS over UDP (bytes unknown, as without conntrack). Deterministic for a given seed, so every
// bench run and every before/after comparison sees the same load.
//
// Addresses are strings in the benchmark ranges (198.18.0.0/15, 2001:db8::/32): nothing is ever
// sent anywhere; the stub geo below calls them `internet` so they are counted like real egress.
'use strict';

const MINUTE = 60_000;

/** mulberry32: small, fast, seedable. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf-like index in [0, n): rank r has weight 1 / (r + 1)^s. */
function zipfSampler(n, s, rand) {
  const cum = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / Math.pow(i + 1, s);
    cum[i] = total;
  }
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function weighted(items, rand) {
  const total = items.reduce((s, i) => s + i.w, 0);
  return () => {
    let x = rand() * total;
    for (const i of items) {
      x -= i.w;
      if (x <= 0) return i;
    }
    return items[items.length - 1];
  };
}

// name, weight (share of new connections), destination pool size, port mix
const APPS = [
  ['firefox', 30, 1500, 'web'],
  ['chrome', 18, 1200, 'web'],
  ['code', 6, 120, 'web'],
  ['slack', 5, 60, 'web'],
  ['thunderbird', 3, 20, 'mail'],
  ['signal-desktop', 2, 15, 'web'],
  ['discord', 3, 80, 'web'],
  ['spotify', 3, 120, 'web'],
  ['dropbox', 2, 40, 'web'],
  ['onedrive', 1, 30, 'web'],
  ['systemd-resolved', 8, 4, 'dns'],
  ['NetworkManager', 0.3, 5, 'web'],
  ['apt', 0.5, 30, 'web'],
  ['snapd', 0.5, 20, 'web'],
  ['flatpak', 0.3, 20, 'web'],
  ['ssh', 1, 25, 'ssh'],
  ['git', 1.5, 15, 'web'],
  ['node', 3, 200, 'web'],
  ['python3', 2, 150, 'web'],
  ['docker', 1.5, 60, 'web'],
  ['containerd', 0.5, 30, 'web'],
  ['curl', 1, 80, 'web'],
  ['teams', 2, 90, 'web'],
  ['zoom', 1, 40, 'rtc'],
  ['gnome-software', 0.3, 15, 'web'],
  ['tracker-miner', 0.1, 5, 'web'],
  ['evolution', 0.5, 10, 'mail'],
  ['jetbrains-toolbox', 0.4, 20, 'web'],
  ['idea', 1.5, 60, 'web'],
  ['obsidian', 0.4, 10, 'web'],
  ['1password', 0.6, 10, 'web'],
  ['steam', 0.8, 70, 'web'],
];

const PORTS = {
  web: [
    { port: 443, proto: 'tcp', w: 78 },
    { port: 443, proto: 'udp', w: 12 },
    { port: 80, proto: 'tcp', w: 8 },
    { port: 8443, proto: 'tcp', w: 2 },
  ],
  mail: [
    { port: 993, proto: 'tcp', w: 60 },
    { port: 587, proto: 'tcp', w: 20 },
    { port: 443, proto: 'tcp', w: 20 },
  ],
  dns: [
    { port: 53, proto: 'udp', w: 85 },
    { port: 853, proto: 'tcp', w: 15 },
  ],
  ssh: [{ port: 22, proto: 'tcp', w: 100 }],
  rtc: [
    { port: 443, proto: 'tcp', w: 40 },
    { port: 3478, proto: 'udp', w: 30 },
    { port: 8801, proto: 'udp', w: 30 },
  ],
};

const COUNTRIES = ['US', 'DE', 'NL', 'IE', 'FR', 'GB', 'SE', 'JP', 'SG', 'CA'];
const ORGS = ['Example CDN', 'Example Cloud', 'Example Search', 'Example Social', 'Example Hosting', 'Example Telecom'];

/** A stub Geo: every synthetic destination is internet, with a stable country and owner. */
const geo = {
  lookup(addr) {
    let h = 0;
    for (let i = 0; i < addr.length; i++) h = (h * 31 + addr.charCodeAt(i)) >>> 0;
    return { scope: 'internet', country: COUNTRIES[h % COUNTRIES.length], asn: 64496 + (h % 200), org: ORGS[h % ORGS.length] };
  },
};

const resolver = { peek: () => null, resolve: async () => [], onResolved: () => {}, close: () => {} };

function address(rand, v6) {
  if (v6) {
    const g = () => Math.floor(rand() * 0x10000).toString(16);
    return `2001:db8:${g()}:${g()}::${g()}`;
  }
  return `198.${18 + Math.floor(rand() * 2)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
}

/**
 * @param {{ seed?: number, live?: number, newPerMinute?: number, start: number }} o
 * `live` is the steady number of open connections; `newPerMinute` the rate of new ones.
 * About 5 % of new connections are long-lived (mean 2 h), the rest short (1–90 s, mean ~35 s):
 * 300/min × (0.05 × 120 + 0.95 × 0.6) min ≈ 2 000 live.
 */
function createWorkstation(o) {
  const rand = rng(o.seed ?? 1);
  const newPerMinute = o.newPerMinute ?? 300;
  const liveTarget = o.live ?? 2000;
  const longShare = 0.05;
  const longMeanMs = ((liveTarget / newPerMinute - (1 - longShare) * 0.6) / longShare) * MINUTE;
  let nextPid = 3000;
  const apps = APPS.map(([name, w, pool, mix]) => {
    const pickDest = zipfSampler(pool, 1.1, rand);
    const dests = Array.from({ length: pool }, () => address(rand, rand() < 0.3));
    const startTime = 100_000 + Math.floor(rand() * 1e6);
    return {
      w,
      mix: weighted(PORTS[mix], rand),
      dest: () => dests[pickDest()],
      process: { pid: nextPid++, startTime, exe: `/usr/lib/${name}/${name}`, name, cmdline: [name], uid: 1000, ppid: 1, cgroup: null },
    };
  });
  // Browsers and a few others restart now and then: new (pid, start time), same executable.
  const pickApp = weighted(apps, rand);
  const open = new Map();
  let closedBuf = [];
  let keySeq = 1;
  let now = o.start;
  let created = 0;

  function spawnConn(at, forceLong) {
    const app = pickApp();
    const { port, proto } = app.mix();
    const remote = app.dest();
    const family = remote.includes(':') ? 6 : 4;
    const long = forceLong ?? rand() < longShare;
    const life = long ? -Math.log(1 - rand()) * longMeanMs : 1000 + rand() * 89_000;
    // Bytes: short flows send a request and get a response; long ones idle with keep-alives,
    // a third of them chatty (websockets), the rest with an occasional burst.
    const upTotal = long ? 0 : Math.floor(300 + Math.exp(rand() * 9));
    const downTotal = long ? 0 : Math.floor(1000 + Math.exp(rand() * 12));
    const c = {
      key: `sk:${keySeq++}`,
      proto,
      family,
      state: proto === 'tcp' ? 'ESTAB' : 'UNCONN',
      local: family === 6 ? '2001:db8:ffff::10' : '198.18.0.10',
      lport: 32768 + Math.floor(rand() * 28000),
      remote,
      rport: port,
      uid: 1000,
      inode: keySeq,
      bytesOut: proto === 'udp' ? null : 0,
      bytesIn: proto === 'udp' ? null : 0,
      process: app.process,
      openedAt: at,
      closesAt: at + life,
      long,
      chatty: long && rand() < 0.33,
      upRate: long ? 0 : upTotal / life,
      downRate: long ? 0 : downTotal / life,
    };
    open.set(c.key, c);
    created++;
    return c;
  }

  // Start in the steady state: the long-lived population is already there.
  for (let i = 0; i < liveTarget * 0.93; i++) {
    const c = spawnConn(o.start - Math.floor(rand() * longMeanMs), true);
    c.closesAt = o.start + -Math.log(1 - rand()) * longMeanMs;
  }
  for (let i = 0; i < liveTarget * 0.07; i++) spawnConn(o.start - Math.floor(rand() * 30_000), false);
  let carry = 0;

  /** Advance to `at` and return the snapshot a collector would take then. */
  function snapshot(at) {
    const dt = at - now;
    now = at;
    carry += (dt / MINUTE) * newPerMinute;
    while (carry >= 1) {
      carry--;
      spawnConn(at - Math.floor(rand() * dt), undefined);
    }
    const sockets = [];
    for (const c of open.values()) {
      if (c.bytesOut !== null) {
        const span = Math.min(at, c.closesAt) - Math.max(at - dt, c.openedAt);
        if (span > 0) {
          if (c.long) {
            if (c.chatty ? rand() < dt / 30_000 : rand() < dt / (20 * MINUTE)) {
              c.bytesOut += c.chatty ? 60 + Math.floor(rand() * 400) : Math.floor(2000 + Math.exp(rand() * 13));
              c.bytesIn += c.chatty ? 60 + Math.floor(rand() * 2000) : Math.floor(5000 + Math.exp(rand() * 14));
            }
          } else {
            c.bytesOut += Math.round(c.upRate * span);
            c.bytesIn += Math.round(c.downRate * span);
          }
        }
      }
      if (c.closesAt <= at) {
        open.delete(c.key);
        closedBuf.push({ ...strip(c), closedAt: Math.floor(c.closesAt) });
      } else sockets.push(strip(c));
    }
    const closed = closedBuf;
    closedBuf = [];
    return { at, sockets, closed, precise: null, machine: null, dropped: 0 };
  }

  return {
    snapshot,
    get live() {
      return open.size;
    },
    get created() {
      return created;
    },
  };
}

function strip(c) {
  return {
    key: c.key,
    proto: c.proto,
    family: c.family,
    state: c.state,
    local: c.local,
    lport: c.lport,
    remote: c.remote,
    rport: c.rport,
    uid: c.uid,
    inode: c.inode,
    bytesOut: c.bytesOut,
    bytesIn: c.bytesIn,
    process: c.process,
  };
}

module.exports = { createWorkstation, geo, resolver, rng, MINUTE };
