#!/usr/bin/env node
// Screenshots of every view, light and dark, against a fake engine that speaks the real wire
// protocol (electron/shared/wire.ts): static UI on 127.0.0.1, POST /api/<method> with a bearer token,
// WebSocket /ws with `outflow.v1, token.<t>`, 'live' events every second with 2 000 flows.
// Also measures the Live view's per-snapshot render time and History scrolling over 10 000 rows.
//
//   npx vite build --config renderer/vite.config.ts && node scripts/ui-screenshots.js
//
// Output: test-artifacts/screenshots/<view>-<theme>.png and a JSON summary of the measurements.
// Options: OUTFLOW_PERF_ONLY=1 (measure only), OUTFLOW_PROFILE=<file> (CPU profile of the live phase),
// OUTFLOW_DIST=<dir> (serve another build), OUTFLOW_FAKE_SERVE=<port> (just serve, for a manual look).
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..');
const DIST = process.env.OUTFLOW_DIST ? path.resolve(process.env.OUTFLOW_DIST) : path.join(ROOT, 'dist', 'renderer');
const OUT = path.join(ROOT, 'test-artifacts', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = crypto.randomBytes(24).toString('base64url');
const FLOW_COUNT = 2000;

// ---------------------------------------------------------------- deterministic fake data
let seed = 42;
function rnd() {
  // mulberry32: reproducible screenshots
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];

const HOSTILE = '<img src=x onerror=alert(1)>\u202Egnp.exe\nsecond line';
const APPS = [
  { id: 1, name: 'firefox', path: '/usr/lib/firefox/firefox', weight: 30 },
  { id: 2, name: 'chromium', path: '/usr/lib/chromium/chromium', weight: 22 },
  { id: 3, name: 'slack', path: '/usr/lib/slack/slack', weight: 8 },
  { id: 4, name: 'spotify', path: '/usr/share/spotify/spotify', weight: 6 },
  { id: 5, name: 'code', path: '/usr/share/code/code', weight: 8 },
  { id: 6, name: 'dropbox', path: '/home/ana/.dropbox-dist/dropbox-lnx.x86_64-214.4.5520/dropbox', weight: 5 },
  { id: 7, name: 'node', path: '/usr/bin/node', weight: 4 },
  { id: 8, name: 'thunderbird', path: '/usr/lib/thunderbird/thunderbird', weight: 4 },
  { id: 9, name: 'ssh', path: '/usr/bin/ssh', weight: 1 },
  { id: 10, name: 'dockerd', path: '/usr/sbin/dockerd', weight: 4 },
  { id: 11, name: 'zoom', path: '/opt/zoom/zoom', weight: 3 },
  { id: 12, name: 'http', path: '/usr/lib/apt/methods/http', weight: 2 },
  { id: 13, name: 'systemd-resolved', path: '/usr/lib/systemd/systemd-resolved', weight: 1 },
  { id: 14, name: HOSTILE, path: '/tmp/.cache/\u202Eevil\n<script>alert(2)</script>', weight: 1 },
  { id: 15, name: 'syncthing', path: '/usr/bin/syncthing', weight: 1 },
];
const UNATTRIBUTED_UID = 1000;

const NETWORKS = [
  { org: 'Google LLC', asn: 15169, cc: 'US', hosts: ['www.google.com', 'fonts.gstatic.com', 'lh3.googleusercontent.com', 'youtube.com', 'r4---sn-4g5e6nsz.googlevideo.com'] },
  { org: 'Cloudflare, Inc.', asn: 13335, cc: 'US', hosts: ['cdnjs.cloudflare.com', 'discord.com', 'one.one.one.one'] },
  { org: 'Amazon.com, Inc.', asn: 16509, cc: 'IE', hosts: ['s3.eu-west-1.amazonaws.com', 'slack-edge.com', 'api.dropboxapi.com'] },
  { org: 'Fastly, Inc.', asn: 54113, cc: 'US', hosts: ['github.githubassets.com', 'pypi.org', 'registry.npmjs.org'] },
  { org: 'Akamai International B.V.', asn: 20940, cc: 'NL', hosts: ['a248.e.akamai.net', 'download.mozilla.org'] },
  { org: 'Microsoft Corporation', asn: 8075, cc: 'US', hosts: ['update.code.visualstudio.com', 'marketplace.visualstudio.com', 'outlook.office365.com'] },
  { org: 'Hetzner Online GmbH', asn: 24940, cc: 'DE', hosts: ['relay-17.syncthing.net', 'deb.debian.org'] },
  { org: 'OVH SAS', asn: 16276, cc: 'FR', hosts: ['mirror.ovh.net', null] },
  { org: 'Spotify AB', asn: 8403, cc: 'SE', hosts: ['audio-ak-spotify-com.akamaized.net', 'spclient.wg.spotify.com'] },
  { org: 'Zoom Video Communications', asn: 30103, cc: 'US', hosts: ['us05web.zoom.us', null] },
  { org: 'Hostile \u202Eroot\u202C & <b>Co</b>', asn: 64512, cc: 'RU', hosts: ['x.\u202Egnp.evil.example', null] },
];

function docAddress(i) {
  // Only documentation/benchmark ranges, never a real address.
  if (i % 7 === 0) return `2001:db8:${(i * 37) % 0xffff}::${(i % 250) + 1}`;
  return `198.${18 + (i % 2)}.${Math.floor(i / 250) % 256}.${(i % 250) + 1}`;
}

const now0 = Date.now();
let seq = 0;
let paused = false;

function makeFlows() {
  const flows = [];
  const totalWeight = APPS.reduce((n, a) => n + a.weight, 0) + 2;
  for (let i = 0; i < FLOW_COUNT; i++) {
    let r = rnd() * totalWeight;
    let app = null;
    for (const a of APPS) {
      r -= a.weight;
      if (r <= 0) {
        app = a;
        break;
      }
    }
    const lan = rnd() < 0.05;
    const loop = rnd() < 0.04;
    const net = lan || loop ? null : app && app.id === 14 ? NETWORKS[10] : pick(NETWORKS.slice(0, 10));
    const udp = rnd() < 0.12;
    const remote = loop ? '127.0.0.1' : lan ? `192.168.1.${(i % 200) + 10}` : docAddress(i);
    const port = udp ? pick([443, 53, 3478, 8801]) : pick([443, 443, 443, 443, 80, 993, 22, 5222, 8443]);
    flows.push({
      appId: app ? app.id : null,
      flow: {
        key: `sk:${0x1000 + i}`,
        flowId: 10_000 + i,
        proto: udp ? 'udp' : 'tcp',
        family: remote.includes(':') ? 6 : 4,
        local: remote.includes(':') ? '2001:db8:ffff::2' : loop ? '127.0.0.1' : '192.168.1.5',
        lport: 40_000 + (i % 20_000),
        remote,
        rport: port,
        state: udp ? 'UNCONN' : pick(['ESTAB', 'ESTAB', 'ESTAB', 'ESTAB', 'SYN-SENT', 'CLOSE-WAIT', 'TIME-WAIT']),
        pid: app ? 1000 + app.id * 10 + (i % 3) : null,
        uid: 1000,
        bytesOut: udp && rnd() < 0.6 ? null : Math.floor(rnd() * 5e6),
        bytesIn: udp && rnd() < 0.6 ? null : Math.floor(rnd() * 4e7),
        rateOut: null,
        rateIn: null,
        openedAt: now0 - Math.floor(rnd() * 3 * 3600_000),
        blockedBy: null,
        host: loop ? 'localhost' : lan ? (rnd() < 0.5 ? 'nas.local' : null) : net.hosts[Math.floor(rnd() * net.hosts.length)],
        country: loop || lan ? null : net.cc,
        asn: loop || lan ? null : net.asn,
        org: loop || lan ? null : net.org,
        scope: loop ? 'loopback' : lan ? 'lan' : 'internet',
      },
    });
  }
  return flows;
}
const FLOWS = makeFlows();
// One destination is blocked by rule 1 so the Live view shows the blocked state.
FLOWS[3].flow.blockedBy = 1;
FLOWS[3].flow.remote = '198.18.0.66';

function tick() {
  if (paused) return;
  seq += 1;
  for (const { flow } of FLOWS) {
    const active = rnd() < 0.35;
    const up = active ? Math.floor(rnd() ** 3 * 400_000) : 0;
    const down = active ? Math.floor(rnd() ** 3 * 2_000_000) : 0;
    if (flow.bytesOut !== null) {
      flow.bytesOut += up;
      flow.rateOut = up;
    }
    if (flow.bytesIn !== null) {
      flow.bytesIn += down;
      flow.rateIn = down;
    }
  }
}

function snapshot() {
  const groups = new Map();
  for (const { appId, flow } of FLOWS) {
    const key = appId === null ? `uid:${UNATTRIBUTED_UID}` : String(appId);
    let g = groups.get(key);
    if (!g) {
      const a = APPS.find((x) => x.id === appId);
      g = {
        key,
        appId,
        path: a ? a.path : null,
        name: a ? a.name : `uid ${UNATTRIBUTED_UID}`,
        attributed: Boolean(a),
        pids: [],
        rateOut: 0,
        rateIn: 0,
        bytesOut: 0,
        bytesIn: 0,
        flows: [],
      };
      groups.set(key, g);
    }
    g.flows.push({ ...flow });
    if (flow.pid !== null && !g.pids.includes(flow.pid)) g.pids.push(flow.pid);
    g.rateOut += flow.rateOut ?? 0;
    g.rateIn += flow.rateIn ?? 0;
    g.bytesOut += flow.bytesOut ?? 0;
    g.bytesIn += flow.bytesIn ?? 0;
  }
  return { at: Date.now(), seq, mode: 'polling', intervalMs: 1000, paused, apps: [...groups.values()], machine: { txRate: 2_400_000, rxRate: 9_800_000 } };
}

const status = () => ({
  version: '0.1.0',
  startedAt: now0 - 5 * 3600_000,
  collector: {
    mode: 'polling',
    platform: 'linux',
    notes: ['Polling `ss` every second; precise mode needs root and bpftrace.', 'UDP byte counts need conntrack accounting (run as root).'],
    seesClosedSockets: true,
    udpBytes: false,
    lastTickAt: Date.now(),
    lastTickMs: 23,
    lastError: null,
    intervalMs: 1000,
    paused,
    droppedSamples: 0,
  },
  firewall: {
    backend: 'nftables',
    state: 'enforcing',
    reason: null,
    ruleCount: rules.filter((r) => r.enabled).length,
    lastReconcileAt: Date.now() - 40_000,
    appScope: false,
    appScopeNote: 'apps do not run in their own cgroup here',
  },
  store: { path: '/home/ana/.local/share/outflow/outflow.db', sizeBytes: 48_300_000, recoveredFrom: null, lastWriteError: null },
});

let nextRuleId = 7;
const rules = [
  { id: 1, target: '198.18.0.66', kind: 'ip', proto: null, portLo: null, portHi: null, appPath: null, action: 'block', createdAt: now0 - 86_400_000, expiresAt: null, untilRestart: false, enabled: true, note: 'Telemetry endpoint', hits: 1284, resolved: [], appScopeEnforced: true },
  { id: 2, target: 'tracker.example.com', kind: 'host', proto: null, portLo: null, portHi: null, appPath: null, action: 'block', createdAt: now0 - 3600_000, expiresAt: null, untilRestart: false, enabled: true, note: '', hits: 37, resolved: ['198.19.4.10', '198.19.4.11', '2001:db8:4::10'], appScopeEnforced: true },
  { id: 3, target: 'any', kind: 'any', proto: 'tcp', portLo: 25, portHi: 25, appPath: null, action: 'block', createdAt: now0 - 7200_000, expiresAt: null, untilRestart: false, enabled: true, note: 'No direct SMTP', hits: 0, resolved: [], appScopeEnforced: true },
  { id: 4, target: '198.18.7.0/24', kind: 'cidr', proto: null, portLo: null, portHi: null, appPath: '/usr/lib/slack/slack', action: 'block', createdAt: now0 - 600_000, expiresAt: Date.now() + 9 * 60_000 + 12_000, untilRestart: false, enabled: true, note: 'Blocked from the Outflow UI (slack)', hits: 4, resolved: [], appScopeEnforced: false },
  { id: 5, target: 'updates.example.org', kind: 'host', proto: null, portLo: null, portHi: null, appPath: null, action: 'block', createdAt: now0 - 300_000, expiresAt: null, untilRestart: true, enabled: false, note: '', hits: null, resolved: ['198.18.99.1'], appScopeEnforced: true },
  { id: 6, target: '2001:db8:bad::/48', kind: 'cidr', proto: 'udp', portLo: 8000, portHi: 8080, appPath: null, action: 'block', createdAt: now0 - 100_000, expiresAt: Date.now() + 3 * 3600_000, untilRestart: false, enabled: true, note: HOSTILE, hits: 12, resolved: [], appScopeEnforced: true },
];

const alertKinds = ['new-app', 'new-destination', 'spike', 'blocked', 'changed-binary', 'enforcement-lost', 'summary'];
const alerts = Array.from({ length: 24 }, (_, i) => {
  const kind = alertKinds[i % alertKinds.length];
  const app = APPS[(i * 5) % APPS.length];
  const titles = {
    'new-app': `${app.name} connected for the first time`,
    'new-destination': `${app.name} reached a new destination`,
    spike: `${app.name} sent 312 MB in 5 minutes`,
    blocked: `Blocked ${app.name} → 198.18.0.66`,
    'changed-binary': `${app.name} binary changed`,
    'enforcement-lost': 'Firewall rules were flushed by another tool',
    summary: 'Daily summary: 4.2 GB sent by 14 apps',
  };
  return {
    id: 100 + i,
    at: Date.now() - i * 37 * 60_000,
    kind,
    appId: kind === 'enforcement-lost' || kind === 'summary' ? null : app.id,
    appName: kind === 'enforcement-lost' || kind === 'summary' ? null : app.name,
    title: titles[kind],
    detail: kind === 'new-destination' ? 'lh3.googleusercontent.com (198.18.3.7), Google LLC, US, port 443/tcp' : kind === 'blocked' ? 'Rule #1 · 17 attempts in 10 minutes' : 'See the Apps view for details.',
    count: i % 4 === 2 ? 1 + i : 1,
    seen: i > 5,
    notified: i % 6 !== 5,
  };
});

let settings = {
  pollMs: 1000, idlePollMs: 5000, retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730, includeLoopback: false, costPerGb: 0.09, currency: 'USD',
  notifyNewApp: true, notifyNewDestination: true, notifySpike: true, notifyBlocked: true, notifyChangedBinary: true, notifyEnforcementLost: true,
  learningMinutes: 60, spikeMb: 100, spikeMinutes: 5, spikeFactor: 10, coalesceMinutes: 10, maxNotificationsPerMinute: 5,
  quietStart: '22:00', quietEnd: '07:00', mutedAppIds: [4], closeToTray: true, startAtLogin: false,
  fleet: {
    enabled: true, flows: true, alerts: true, batchSize: 500, flushIntervalMs: 10_000, queueMaxRecords: 100_000, retryBaseMs: 1000, retryMaxMs: 300_000,
    otlp: { enabled: true, url: 'http://collector.example.internal:4318', headers: { Authorization: 'Bearer example' }, timeoutMs: 10_000 },
    syslog: { enabled: false, transport: 'tcp', host: null, port: 514, facility: 1, appName: 'outflow', sdId: 'outflow@32473' },
  },
};

function appSummaries() {
  const list = APPS.map((a, i) => {
    const out = Math.floor(a.weight * 1.7e8 * (0.5 + rnd()));
    return {
      id: a.id, path: a.path, name: a.name, sha256: crypto.createHash('sha256').update(a.path).digest('hex'),
      bytesOut: out, bytesIn: out * 6, flows: Math.floor(a.weight * 900 * (0.5 + rnd())),
      firstSeen: now0 - (40 - i) * 86_400_000, lastSeen: Date.now() - i * 95_000, attributed: true, cost: (out / 1e9) * settings.costPerGb,
    };
  });
  list.push({ id: 99, path: `uid:${UNATTRIBUTED_UID}`, name: `uid ${UNATTRIBUTED_UID}`, sha256: null, bytesOut: 48_000_000, bytesIn: 120_000_000, flows: 311, firstSeen: now0 - 20 * 86_400_000, lastSeen: Date.now() - 60_000, attributed: false, cost: 0.0043 });
  return list;
}
const APP_SUMMARIES = appSummaries();

function series(appId, since, bucket) {
  const step = bucket === 'minute' ? 60_000 : 3600_000;
  const start = Math.floor((since ?? Date.now() - 86_400_000) / step) * step;
  const points = [];
  const w = APPS.find((a) => a.id === appId)?.weight ?? 3;
  for (let t = start; t <= Date.now(); t += step) {
    const hour = new Date(t).getHours();
    const diurnal = hour >= 8 && hour <= 23 ? 1 : 0.15;
    const burst = rnd() < 0.04 ? 6 : 1;
    const base = w * (bucket === 'minute' ? 9e4 : 5.4e6) * diurnal * burst * (0.4 + rnd());
    points.push({ t, bytesOut: Math.floor(base), bytesIn: Math.floor(base * (3 + rnd() * 4)) });
  }
  return { bucket, points };
}

function destinations(appId) {
  const rows = new Map();
  for (const { appId: a, flow } of FLOWS) {
    if (a !== appId) continue;
    const d = rows.get(flow.remote) ?? { remote: flow.remote, host: flow.host, country: flow.country, asn: flow.asn, org: flow.org, scope: flow.scope, bytesOut: 0, bytesIn: 0, flows: 0, ports: [], firstSeen: flow.openedAt, lastSeen: Date.now() - Math.floor(rnd() * 600_000) };
    d.bytesOut += flow.bytesOut ?? 0;
    d.bytesIn += flow.bytesIn ?? 0;
    d.flows += 1;
    if (!d.ports.includes(flow.rport)) d.ports.push(flow.rport);
    rows.set(flow.remote, d);
  }
  return [...rows.values()].sort((a, b) => b.bytesOut - a.bytesOut).slice(0, 12);
}

const HISTORY = Array.from({ length: 12_000 }, (_, i) => {
  const { appId, flow } = FLOWS[i % FLOWS.length];
  const a = APPS.find((x) => x.id === appId);
  const openedAt = Date.now() - i * 20_000 - Math.floor(rnd() * 10_000);
  return {
    id: 500_000 - i, appId, appName: a ? a.name : `uid ${UNATTRIBUTED_UID}`, appPath: a ? a.path : null, attributed: Boolean(a),
    pid: flow.pid, uid: 1000, proto: flow.proto, family: flow.family, local: flow.local, lport: flow.lport, remote: flow.remote, rport: flow.rport,
    openedAt, closedAt: rnd() < 0.1 ? null : openedAt + Math.floor(rnd() * 900_000),
    bytesOut: flow.bytesOut === null ? null : Math.floor(rnd() * 3e6), bytesIn: flow.bytesIn === null ? null : Math.floor(rnd() * 2e7),
    host: flow.host, country: flow.country, asn: flow.asn, org: flow.org, scope: flow.scope,
  };
});

function historyQuery(q) {
  const text = (q.q ?? '').toLowerCase();
  let rows = HISTORY.filter((r) => (q.since === undefined || r.openedAt >= q.since) && (q.until === undefined || r.openedAt <= q.until) && (q.includeLoopback || r.scope !== 'loopback'));
  if (text) rows = rows.filter((r) => [r.appName, r.host ?? '', r.remote, r.country ?? '', r.org ?? '', String(r.rport)].some((s) => s.toLowerCase().includes(text)));
  if (q.port) rows = rows.filter((r) => r.rport === q.port);
  if (q.app) rows = rows.filter((r) => r.appName.toLowerCase().includes(q.app.toLowerCase()));
  const totals = rows.reduce((t, r) => ({ count: t.count + 1, bytesOut: t.bytesOut + (r.bytesOut ?? 0), bytesIn: t.bytesIn + (r.bytesIn ?? 0) }), { count: 0, bytesOut: 0, bytesIn: 0 });
  const offset = q.offset ?? 0;
  return { rows: rows.slice(offset, offset + (q.limit ?? 1000)), totals };
}

function overview() {
  const snap = snapshot();
  const rateOut = snap.apps.reduce((n, a) => n + a.rateOut, 0);
  const rateIn = snap.apps.reduce((n, a) => n + a.rateIn, 0);
  return {
    at: Date.now(), rateOut, rateIn, todayOut: 3_870_000_000, todayIn: 21_400_000_000,
    machine: snap.machine, machineTodayOut: 4_120_000_000, coverage: 3.87 / 4.12,
    costToday: 0.3483, costMonth: 7.92, costProjectedMonth: 9.81, currency: settings.currency,
  };
}

const handlers = {
  'status.get': () => status(),
  'live.snapshot': () => snapshot(),
  'live.setPaused': (i) => ((paused = Boolean(i.paused)), { paused }),
  'overview.get': () => overview(),
  'apps.list': () => APP_SUMMARIES,
  'apps.destinations': (i) => destinations(i.appId),
  'apps.series': (i) => series(i.appId, i.since, i.bucket ?? 'minute'),
  'history.query': (i) => historyQuery(i),
  'rules.list': () => rules,
  'rules.add': (i) => {
    const kind = i.target === 'any' ? 'any' : /\/\d+$/.test(i.target) ? 'cidr' : /^[\d.]+$|:/.test(i.target) ? 'ip' : 'host';
    const [lo, hi] = i.port ? i.port.split('-').map(Number) : [null, null];
    const rule = { id: nextRuleId++, target: i.target, kind, proto: i.proto ?? null, portLo: lo, portHi: hi ?? lo, appPath: i.appPath ?? null, action: i.action ?? 'block', createdAt: Date.now(), expiresAt: i.forMs ? Date.now() + i.forMs : null, untilRestart: Boolean(i.untilRestart), enabled: true, note: i.note ?? '', hits: 0, resolved: [], appScopeEnforced: !i.appPath };
    rules.push(rule);
    broadcast({ type: 'rules', data: rules });
    return rule;
  },
  'rules.remove': (i) => {
    const idx = rules.findIndex((r) => r.id === i.id);
    if (idx >= 0) rules.splice(idx, 1);
    for (const { flow } of FLOWS) if (flow.blockedBy === i.id) flow.blockedBy = null;
    return { removed: idx >= 0 };
  },
  'rules.setEnabled': (i) => {
    const r = rules.find((x) => x.id === i.id);
    if (!r) throw Object.assign(new Error(`no rule ${i.id}`), { code: 'not-found' });
    r.enabled = i.enabled;
    return r;
  },
  'rules.import': (i) => ({ added: i.rules.length, removed: 0, rules }),
  'rules.export': () => ({ version: 1, rules }),
  'alerts.list': () => alerts,
  'alerts.markSeen': (i) => {
    let n = 0;
    for (const a of alerts) if ((i.all || (i.ids ?? []).includes(a.id)) && !a.seen) ((a.seen = true), n++);
    return { updated: n };
  },
  'alerts.mute': (i) => {
    const set = new Set(settings.mutedAppIds);
    if (i.muted) set.add(i.appId);
    else set.delete(i.appId);
    settings = { ...settings, mutedAppIds: [...set] };
    return settings;
  },
  'settings.get': () => settings,
  'settings.set': (i) => ((settings = { ...settings, ...i }), settings),
  'fleet.status': () => ({
    enabled: settings.fleet.enabled,
    sinks: [{ sink: 'otlp', enabled: true, queued: 12, dropped: 0, rejected: 0, sent: 48_211, failures: 1, lastError: null, lastSuccessAt: Date.now() - 8000, nextAttemptAt: null }],
  }),
  'doctor.run': () => [
    { name: 'ss (iproute2)', ok: true, detail: 'ss utility, iproute2-6.1.0', fix: null },
    { name: 'Precise mode', ok: false, detail: 'bpftrace not found', fix: 'apt-get install bpftrace, then run Outflow with root privileges' },
    { name: 'nftables', ok: true, detail: 'table inet outflow present, 5 rules', fix: null },
  ],
};

// ---------------------------------------------------------------- server (wire protocol)
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json' };
const sockets = new Set();
let refuseWs = false;

function tokenOk(value) {
  const a = Buffer.from(String(value));
  const b = Buffer.from(TOKEN);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function callMethod(method, input) {
  const fn = Object.prototype.hasOwnProperty.call(handlers, method) ? handlers[method] : null;
  if (!fn) return { error: { code: 'not-found', message: `unknown method ${method}` } };
  try {
    return { result: fn(input ?? {}) };
  } catch (err) {
    return { error: { code: err.code ?? 'internal', message: err.message } };
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokenOk(auth.slice(7))) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'bad token' } }));
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const out = callMethod(url.pathname.slice(5), body ? JSON.parse(body) : {});
      res.writeHead(out.error ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.error ? { error: out.error } : out.result));
    });
    return;
  }
  const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const file = path.resolve(DIST, rel);
  if (!file.startsWith(DIST + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404);
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
});

const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('outflow.v1') ? 'outflow.v1' : false) });
server.on('upgrade', (req, socket, head) => {
  const protos = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const tok = protos.find((p) => p.startsWith('token.'));
  if (refuseWs || new URL(req.url, 'http://x').pathname !== '/ws' || !tok || !tokenOk(tok.slice(6))) {
    socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      const out = callMethod(msg.method, msg.input);
      ws.send(JSON.stringify(out.error ? { id: msg.id, error: out.error } : { id: msg.id, result: out.result }));
    });
  });
});

function broadcast(event) {
  const text = JSON.stringify({ event });
  for (const ws of sockets) if (ws.readyState === 1) ws.send(text);
}

// ---------------------------------------------------------------- browser session
async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/renderer is missing: run `npx vite build --config renderer/vite.config.ts` first');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
  fs.mkdirSync(OUT, { recursive: true });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const base = `http://127.0.0.1:${port}/`;
  tick();
  const ticker = setInterval(() => {
    tick();
    broadcast({ type: 'live', data: snapshot() });
  }, 1000);

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-shots-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  const results = { screenshots: [], consoleErrors: [], cspViolations: [], perf: {} };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') results.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => results.consoleErrors.push(String(e)));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp = window.__csp || [];
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });

    // OUTFLOW_PERF_ONLY=1 skips the screenshots and only measures.
    for (const theme of process.env.OUTFLOW_PERF_ONLY ? [] : ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto('about:blank');
      await page.goto(`${base}#token=${TOKEN}`);
      await page.waitForSelector('[data-testid="live-app-row"]');
      const url = page.url();
      if (url.includes(TOKEN)) throw new Error('token left in the URL');
      await page.waitForTimeout(1500);
      const shot = async (name) => {
        const file = path.join(OUT, `${name}-${theme}.png`);
        await page.screenshot({ path: file });
        results.screenshots.push(path.relative(ROOT, file));
      };

      // Live: open the top two apps and the hostile one, park the pointer outside the list.
      const rows = page.locator('[data-testid="live-app-row"]');
      // Later rows first: opening a group pushes the ones below it out of the (virtualized) DOM.
      await rows.nth(1).click();
      await rows.nth(0).click();
      await page.mouse.move(5, 890);
      await page.waitForTimeout(1200);
      await shot('live');

      await page.getByTestId('live-filter').fill('img');
      await page.waitForTimeout(600);
      await shot('live-hostile');
      await page.getByTestId('live-filter').fill('');

      await page.locator('[data-testid="block-flow"]').first().click();
      await page.waitForSelector('[data-testid="block-dialog"]');
      await shot('block-dialog');
      await page.keyboard.press('Escape');

      await page.getByTestId('nav-apps').click();
      await page.waitForSelector('[data-testid="app-detail"]');
      await page.locator('[data-testid="apps-row"]').nth(0).click();
      await page.waitForSelector('[data-testid="bandwidth-chart"] canvas');
      await page.waitForTimeout(500);
      await shot('apps');

      await page.getByTestId('nav-history').click();
      await page.waitForSelector('[data-testid="history-row"]');
      await shot('history');

      await page.getByTestId('nav-rules').click();
      await page.waitForSelector('[data-testid="rule-row"]');
      await shot('rules');

      await page.getByTestId('nav-alerts').click();
      await page.waitForSelector('[data-testid="alert-row"]');
      await shot('alerts');

      await page.getByTestId('nav-settings').click();
      await page.waitForSelector('[data-testid="settings-save"]');
      await shot('settings');
      await page.getByTestId('setting-fleet').scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      await shot('settings-fleet');
      await page.getByTestId('doctor-run').click();
      await page.waitForSelector('[data-testid="doctor-checks"]');
      await page.getByTestId('doctor-checks').scrollIntoViewIfNeeded();
      await shot('diagnostics');

      await page.getByTestId('nav-live').click();
    }

    // ---- Performance: live render with 2 000 flows, everything expanded.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('about:blank');
    await page.goto(`${base}#token=${TOKEN}`);
    await page.waitForSelector('[data-testid="live-app-row"]');
    const appRows = await page.locator('[data-testid="live-app-row"]').count();
    for (let i = Math.min(appRows, 4) - 1; i >= 0; i--) await page.locator('[data-testid="live-app-row"]').nth(i).click();
    await page.mouse.move(5, 890);
    await page.evaluate(() => {
      for (const n of ['outflow:live-render', 'outflow:live-derive', 'outflow:live-latency']) performance.clearMeasures(n);
    });
    let cdp = null;
    if (process.env.OUTFLOW_PROFILE) {
      cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    await page.waitForTimeout(20_500);
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(process.env.OUTFLOW_PROFILE, JSON.stringify(profile));
    }
    const live = await page.evaluate(() => performance.getEntriesByName('outflow:live-render').map((e) => e.duration));
    const derive = await page.evaluate(() => performance.getEntriesByName('outflow:live-derive').map((e) => e.duration));
    const latency = await page.evaluate(() => performance.getEntriesByName('outflow:live-latency').map((e) => e.duration));
    const visibleRows = await page.evaluate(() => document.querySelectorAll('[data-testid="live-flow-row"], [data-testid="live-app-row"]').length);
    const parseMs = await page.evaluate(async () => {
      const snap = await new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/ws`, ['outflow.v1', `token.${sessionStorage.getItem('outflow.token')}`]);
        ws.onmessage = (m) => {
          const t0 = performance.now();
          const parsed = JSON.parse(m.data);
          const dt = performance.now() - t0;
          if (parsed.event && parsed.event.type === 'live') {
            ws.close();
            resolve({ dt, bytes: m.data.length, flows: parsed.event.data.apps.reduce((n, a) => n + a.flows.length, 0) });
          }
        };
      });
      return snap;
    });
    results.perf.liveRender = { ...stats(live), visibleRows };
    results.perf.liveDerive = stats(derive);
    results.perf.liveArrivalToCommit = stats(latency);
    results.perf.liveJsonParse = parseMs;

    // ---- Performance: History with 10 000 rows, scroll frame times.
    await page.getByTestId('nav-history').click();
    await page.getByRole('radio', { name: 'Last 30 days' }).check();
    await page.waitForSelector('[data-testid="history-row"]');
    for (let i = 0; i < 9; i++) {
      await page.getByTestId('history-more').click();
      await page.waitForFunction(() => {
        const b = document.querySelector('[data-testid="history-more"]');
        return !b || !b.disabled;
      });
      await page.waitForTimeout(150);
    }
    const scroll = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="history-table"] .vt-scroll');
      const rows = document.querySelector('[data-testid="history-totals"]')?.textContent ?? '';
      const frames = [];
      let last = performance.now();
      for (let i = 0; i < 240; i++) {
        el.scrollTop += 420;
        await new Promise((r) => requestAnimationFrame(() => r()));
        const t = performance.now();
        frames.push(t - last);
        last = t;
      }
      return { frames, rows, domRows: document.querySelectorAll('[data-testid="history-row"]').length, scrollHeight: el.scrollHeight };
    });
    results.perf.historyScroll = { ...stats(scroll.frames), totalsText: scroll.rows, domRows: scroll.domRows, scrollHeight: scroll.scrollHeight };

    // ---- Engine unreachable banner.
    refuseWs = true;
    for (const ws of sockets) ws.terminate();
    await page.getByTestId('nav-live').click();
    await page.waitForSelector('[data-testid="engine-banner"]', { timeout: 10_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, 'unreachable-light.png') });
    results.screenshots.push('test-artifacts/screenshots/unreachable-light.png');
    results.cspViolations = await page.evaluate(() => window.__csp || []);
  } finally {
    clearInterval(ticker);
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    for (const ws of sockets) ws.terminate();
    wss.close();
    server.close();
  }
  fs.writeFileSync(path.join(OUT, 'summary.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ ...results, screenshots: results.screenshots.length }, null, 2));
}

function stats(values) {
  if (values.length === 0) return { n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), max: +s[s.length - 1].toFixed(2) };
}

if (process.env.OUTFLOW_FAKE_SERVE) {
  // Manual look at the UI against the fake engine: OUTFLOW_FAKE_SERVE=<port> node scripts/ui-screenshots.js
  const port = Number(process.env.OUTFLOW_FAKE_SERVE);
  server.listen(port, '127.0.0.1', () => console.log(`http://127.0.0.1:${port}/#token=${TOKEN}`));
  setInterval(() => {
    tick();
    broadcast({ type: 'live', data: snapshot() });
  }, 1000);
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
