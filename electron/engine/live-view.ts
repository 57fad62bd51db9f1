import type { LiveApp, LiveFlow, LiveSnapshot, MachineRates, CollectorMode } from '../shared/types';
import type { Tracked } from './flow-tracker';

export type RuleMatcher = (appPath: string | null, remote: string, proto: 'tcp' | 'udp', rport: number) => number | null;

/** Groups the open flows by app for the Live view; sorted by current upload rate, then bytes. */
export function buildLiveSnapshot(args: {
  at: number;
  seq: number;
  mode: CollectorMode;
  intervalMs: number;
  paused: boolean;
  open: Iterable<Tracked>;
  machine: MachineRates | null;
  match: RuleMatcher;
}): LiveSnapshot {
  const groups = new Map<string, LiveApp>();
  for (const f of args.open) {
    const key = f.app.attributed ? String(f.app.id) : f.app.path;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        appId: f.app.id,
        path: f.app.attributed ? f.app.path : null,
        name: f.app.name,
        attributed: f.app.attributed,
        pids: [],
        rateOut: 0,
        rateIn: 0,
        bytesOut: 0,
        bytesIn: 0,
        flows: [],
      };
      groups.set(key, g);
    }
    if (f.pid !== null && !g.pids.includes(f.pid)) g.pids.push(f.pid);
    g.rateOut += f.rateOut ?? 0;
    g.rateIn += f.rateIn ?? 0;
    g.bytesOut += f.bytesOut ?? 0;
    g.bytesIn += f.bytesIn ?? 0;
    g.flows.push(toLiveFlow(f, args.match(g.path, f.remote.addr, f.proto, f.rport)));
  }
  const apps = [...groups.values()].sort((a, b) => b.rateOut - a.rateOut || b.bytesOut - a.bytesOut || a.name.localeCompare(b.name));
  for (const a of apps) a.flows.sort((x, y) => (y.rateOut ?? 0) - (x.rateOut ?? 0) || x.openedAt - y.openedAt);
  return {
    at: args.at,
    seq: args.seq,
    mode: args.mode,
    intervalMs: args.intervalMs,
    paused: args.paused,
    apps,
    machine: args.machine,
  };
}

function toLiveFlow(f: Tracked, blockedBy: number | null): LiveFlow {
  return {
    key: f.key,
    flowId: f.flowId,
    proto: f.proto,
    family: f.family,
    local: f.local,
    lport: f.lport,
    remote: f.remote.addr,
    rport: f.rport,
    state: f.state,
    pid: f.pid,
    uid: f.uid,
    bytesOut: f.bytesOut,
    bytesIn: f.bytesIn,
    rateOut: f.rateOut,
    rateIn: f.rateIn,
    openedAt: f.openedAt,
    blockedBy,
    host: f.remote.host,
    country: f.remote.country,
    asn: f.remote.asn,
    org: f.remote.org,
    scope: f.remote.scope,
  };
}
