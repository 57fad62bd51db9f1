import { basename } from 'node:path';
import type { AppRow, AppsTable } from '../store/queries/apps';
import { unattributedName, unattributedPath } from '../store/queries/apps';
import type { FlowsTable } from '../store/queries/flows';
import type { ProcessesTable } from '../store/queries/processes';
import type { RemoteRow, RemotesTable } from '../store/queries/remotes';
import type { TrafficTable } from '../store/queries/traffic';
import type { Family, Proto } from '../shared/types';
import type { ClosedSocket, Geo, PreciseDelta, ProcessInfo, Resolver, Snapshot, SocketSample } from './ports';

const LAST_SEEN_RESOLUTION_MS = 60_000;
import { canonicalAddress } from '../net/scope';

// Turns successive socket-table snapshots into flows and byte deltas. Counters are cumulative per
// socket: only deltas are added to the minute buckets, and the last counters are persisted with the
// open flow, so a restart neither loses nor double-counts bytes.
//
// In precise mode the kernel's per-process deltas are the bytes, and the socket table only gives
// states and owners: one flow per connection either way, matched by its 5-tuple. A connection the
// socket table never saw (it lived between two polls, or is unconnected UDP) becomes a flow of its
// own, attributed to the process the kernel named.

export interface Tracked {
  key: string;
  flowId: number;
  app: AppRow;
  processId: number | null;
  pid: number | null;
  uid: number | null;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: RemoteRow;
  rport: number;
  state: string;
  openedAt: number;
  cumOut: number | null;
  cumIn: number | null;
  bytesOut: number | null;
  bytesIn: number | null;
  rateOut: number | null;
  rateIn: number | null;
  /** Consecutive snapshots this socket was absent from without a destroy event. */
  missing: number;
  /** The last tick (FlowTracker.ticks) that listed this flow; a Set of keys per tick cost more. */
  seenTick: number;
}

export interface TickOutcome {
  newApps: AppRow[];
  newFlows: Tracked[];
  closedFlows: Tracked[];
  /** Bytes moved this tick per app id. */
  perApp: Map<number, { out: number; in: number }>;
  moved: boolean;
}

export interface TrackerTables {
  apps: AppsTable;
  processes: ProcessesTable;
  remotes: RemotesTable;
  flows: FlowsTable;
  traffic: TrafficTable;
}

const IGNORED_STATES = new Set(['TIME-WAIT', 'LISTEN', 'CLOSED']);

/** Ticks a precise-only flow may go without bytes before it is closed. */
const PRECISE_IDLE_TICKS = 15;
const PRECISE_PREFIX = 'p:';

export class FlowTracker {
  readonly open = new Map<string, Tracked>();
  private readonly byTuple = new Map<string, Tracked>();
  private prevAt: number | null = null;
  private ticks = 0;

  constructor(
    private readonly t: TrackerTables,
    private readonly geo: Geo,
    private readonly resolver: Resolver,
  ) {}

  /** Re-adopts the flows a previous run left open, with their last counters. */
  restore(): void {
    for (const row of this.t.flows.loadOpen()) {
      const app = this.t.apps.byId(row.appId);
      const remote = this.t.remotes.get(row.remoteId);
      if (!app || !remote) continue;
      this.track({
        key: row.sockKey,
        flowId: row.id,
        app,
        processId: row.processId,
        pid: null,
        uid: row.uid,
        proto: row.proto,
        family: remote.family,
        local: row.local,
        lport: row.lport,
        remote,
        rport: row.rport,
        state: 'UNKNOWN',
        openedAt: row.openedAt,
        cumOut: row.cumOut,
        cumIn: row.cumIn,
        bytesOut: row.bytesOut,
        bytesIn: row.bytesIn,
        rateOut: null,
        rateIn: null,
        // Not seen by this run yet: closed at the first snapshot that lacks it.
        missing: 1,
        seenTick: 0,
      });
    }
  }

  private track(f: Tracked): void {
    this.open.set(f.key, f);
    this.byTuple.set(tupleOf(f.proto, f.local, f.lport, f.remote.addr, f.rport), f);
  }

  private untrack(f: Tracked): void {
    this.open.delete(f.key);
    const t = tupleOf(f.proto, f.local, f.lport, f.remote.addr, f.rport);
    if (this.byTuple.get(t) === f) this.byTuple.delete(t);
  }

  /** Call inside one transaction per tick. */
  ingest(snap: Snapshot, seesClosedSockets: boolean): TickOutcome {
    const out: TickOutcome = { newApps: [], newFlows: [], closedFlows: [], perApp: new Map(), moved: false };
    const dt = this.prevAt === null ? null : Math.max(1, snap.at - this.prevAt);
    const precise = snap.precise;
    const tick = ++this.ticks;

    for (const s of snap.sockets) {
      let flow = this.open.get(s.key);
      if (!flow && IGNORED_STATES.has(s.state)) continue;
      if (!flow && precise) flow = this.adopt(s);
      if (flow) {
        flow.missing = 0;
        flow.state = s.state;
        if (s.process && flow.pid === null) flow.pid = s.process.pid;
      } else {
        flow = this.openFlow(s, snap.at, out, precise !== null);
      }
      flow.seenTick = tick;
      if (precise) syncCounters(flow, s.bytesOut, s.bytesIn);
      else this.advance(flow, s.bytesOut, s.bytesIn, snap.at, dt, out);
    }

    if (precise) this.applyPrecise(precise, snap.at, dt, tick, out);

    for (const c of snap.closed) {
      let flow = this.open.get(c.key) ?? (precise ? this.byTuple.get(tupleOf(c.proto, c.local, c.lport, c.remote, c.rport)) : undefined);
      if (!flow) {
        if (IGNORED_STATES.has(c.state) && c.bytesOut === 0 && c.bytesIn === 0) continue;
        flow = this.openFlow(c, c.closedAt, out, precise !== null);
      }
      // In precise mode the kernel already counted these bytes.
      if (!precise) this.advance(flow, c.bytesOut, c.bytesIn, snap.at, null, out);
      this.closeFlow(flow, c.closedAt, out);
    }

    // Deleting the entry being visited is safe while iterating a Map.
    for (const flow of this.open.values()) {
      if (flow.seenTick === tick) continue;
      flow.missing++;
      const limit = flow.key.startsWith(PRECISE_PREFIX) ? PRECISE_IDLE_TICKS : seesClosedSockets ? 2 : 1;
      // With destroy events, give the event one more tick to arrive with the final counters.
      if (flow.missing >= limit) this.closeFlow(flow, snap.at, out);
    }

    this.prevAt = snap.at;
    return out;
  }

  /** A socket whose connection precise mode already tracks under its 5-tuple: the same flow. */
  private adopt(s: SocketSample): Tracked | undefined {
    const f = this.byTuple.get(tupleOf(s.proto, s.local, s.lport, s.remote, s.rport));
    if (!f || !f.key.startsWith(PRECISE_PREFIX)) return undefined;
    this.open.delete(f.key);
    f.key = s.key;
    this.open.set(f.key, f);
    this.t.flows.rekey(f.flowId, s.key);
    return f;
  }

  private applyPrecise(deltas: PreciseDelta[], at: number, dt: number | null, tick: number, out: TickOutcome): void {
    for (const f of this.open.values()) {
      f.rateOut = 0;
      f.rateIn = 0;
    }
    const sums = new Map<Tracked, { o: number; i: number }>();
    for (const d of deltas) {
      const tuple = tupleOf(d.proto, d.local, d.lport, d.remote, d.rport);
      const flow = this.byTuple.get(tuple) ?? this.openPreciseFlow(d, tuple, at, out);
      const acc = sums.get(flow) ?? { o: 0, i: 0 };
      acc.o += d.bytesOut;
      acc.i += d.bytesIn;
      sums.set(flow, acc);
    }
    for (const [flow, { o, i }] of sums) {
      if (flow.key.startsWith(PRECISE_PREFIX)) {
        flow.seenTick = tick;
        flow.missing = 0;
      }
      this.addBytes(flow, o, i, at, dt, out);
    }
  }

  private openPreciseFlow(d: PreciseDelta, tuple: string, at: number, out: TickOutcome): Tracked {
    const sample: SocketSample = {
      key: PRECISE_PREFIX + tuple,
      proto: d.proto,
      family: d.family,
      state: d.proto === 'tcp' ? 'ESTAB' : 'UNCONN',
      local: d.local,
      lport: d.lport,
      remote: d.remote,
      rport: d.rport,
      uid: d.process?.uid ?? null,
      inode: null,
      bytesOut: 0,
      bytesIn: 0,
      process: d.process,
    };
    return this.openFlow(sample, at, out, true);
  }

  /** `countFromNow`: precise mode counts bytes itself, so the socket's past counters are not added. */
  private openFlow(s: SocketSample | ClosedSocket, at: number, out: TickOutcome, countFromNow = false): Tracked {
    const known = (v: number | null): number | null => (countFromNow ? 0 : v === null ? null : 0);
    const app = this.appFor(s.process, s.uid, at, out);
    const processId = s.process && s.process.exe ? this.t.processes.ensure(app.id, s.process, at) : null;
    const remote = this.remoteFor(s.remote, s.family);
    const flowId = this.t.flows.insert({
      appId: app.id,
      processId,
      uid: s.process?.uid ?? s.uid,
      proto: s.proto,
      local: s.local,
      lport: s.lport,
      remoteId: remote.id,
      rport: s.rport,
      openedAt: at,
      closedAt: null,
      bytesOut: known(s.bytesOut),
      bytesIn: known(s.bytesIn),
      sockKey: s.key,
      cumOut: countFromNow ? s.bytesOut : 0,
      cumIn: countFromNow ? s.bytesIn : 0,
    });
    const flow: Tracked = {
      key: s.key,
      flowId,
      app,
      processId,
      pid: s.process?.pid ?? null,
      uid: s.process?.uid ?? s.uid,
      proto: s.proto,
      family: s.family,
      local: s.local,
      lport: s.lport,
      remote,
      rport: s.rport,
      state: s.state,
      openedAt: at,
      // Polling: the socket's bytes so far were never counted, so start from zero and they are.
      cumOut: countFromNow ? s.bytesOut : s.bytesOut === null ? null : 0,
      cumIn: countFromNow ? s.bytesIn : s.bytesIn === null ? null : 0,
      bytesOut: known(s.bytesOut),
      bytesIn: known(s.bytesIn),
      rateOut: null,
      rateIn: null,
      missing: 0,
      seenTick: 0,
    };
    this.track(flow);
    this.t.traffic.add(at, { appId: app.id, remoteId: remote.id, rport: s.rport, proto: s.proto, bytesOut: 0, bytesIn: 0, flows: 1 });
    out.newFlows.push(flow);
    return flow;
  }

  private advance(f: Tracked, curOut: number | null, curIn: number | null, at: number, dt: number | null, out: TickOutcome): void {
    const dOut = delta(f.cumOut, curOut);
    const dIn = delta(f.cumIn, curIn);
    syncCounters(f, curOut, curIn);
    this.addBytes(f, dOut, dIn, at, dt, out);
  }

  private addBytes(f: Tracked, dOut: number | null, dIn: number | null, at: number, dt: number | null, out: TickOutcome): void {
    if (dOut !== null) f.bytesOut = (f.bytesOut ?? 0) + dOut;
    if (dIn !== null) f.bytesIn = (f.bytesIn ?? 0) + dIn;
    if (dt !== null) {
      f.rateOut = dOut === null ? null : (dOut * 1000) / dt;
      f.rateIn = dIn === null ? null : (dIn * 1000) / dt;
    }
    const o = dOut ?? 0;
    const i = dIn ?? 0;
    if (o === 0 && i === 0) return;
    out.moved = true;
    // "Last seen" to the minute is what anyone reads; per tick it was a write every second per busy app.
    if (f.app.lastSeen <= at - LAST_SEEN_RESOLUTION_MS) this.t.apps.ensure(f.app.path, f.app.name, f.app.attributed, at);
    this.t.flows.update(f.flowId, f.bytesOut, f.bytesIn, f.cumOut, f.cumIn);
    this.t.traffic.add(at, { appId: f.app.id, remoteId: f.remote.id, rport: f.rport, proto: f.proto, bytesOut: o, bytesIn: i, flows: 0 });
    const acc = out.perApp.get(f.app.id) ?? { out: 0, in: 0 };
    acc.out += o;
    acc.in += i;
    out.perApp.set(f.app.id, acc);
  }

  private closeFlow(f: Tracked, at: number, out: TickOutcome): void {
    this.t.flows.close(f.flowId, f.bytesOut, f.bytesIn, at);
    this.untrack(f);
    out.closedFlows.push(f);
  }

  private appFor(p: ProcessInfo | null, uid: number | null, at: number, out: TickOutcome): AppRow {
    // Identity is the executable path, never a name; without one the bytes go to the user's bucket.
    const { app, created } = p?.exe
      ? this.t.apps.ensure(p.exe, basename(p.exe), true, at)
      : this.t.apps.ensure(unattributedPath(p?.uid ?? uid), unattributedName(p?.uid ?? uid), false, at);
    if (created) out.newApps.push(app);
    return app;
  }

  private remoteFor(addr: string, family: Family): RemoteRow {
    const info = this.geo.lookup(addr);
    return this.t.remotes.ensure(addr, family, info, this.resolver.peek(addr));
  }
}

function syncCounters(f: Tracked, curOut: number | null, curIn: number | null): void {
  if (curOut !== null) f.cumOut = curOut;
  if (curIn !== null) f.cumIn = curIn;
}

/** One connection's identity across the socket table and the tracer (addresses in canonical form). */
function tupleOf(proto: string, local: string, lport: number, remote: string, rport: number): string {
  return `${proto}|${canonicalAddress(local) ?? local}|${lport}|${canonicalAddress(remote) ?? remote}|${rport}`;
}

/** Cumulative-counter delta; a counter that went backwards (socket reuse) restarts from zero. */
function delta(prev: number | null, cur: number | null): number | null {
  if (cur === null) return null;
  if (prev === null) return cur;
  return cur >= prev ? cur - prev : cur;
}
