import { basename } from 'node:path';
import type { AppRow, AppsTable } from '../store/queries/apps';
import { unattributedName, unattributedPath } from '../store/queries/apps';
import type { FlowsTable } from '../store/queries/flows';
import type { ProcessesTable } from '../store/queries/processes';
import type { RemoteRow, RemotesTable } from '../store/queries/remotes';
import type { TrafficTable } from '../store/queries/traffic';
import type { Family, Proto } from '../shared/types';
import type { ClosedSocket, Geo, ProcessInfo, Resolver, Snapshot, SocketSample } from './ports';

// Turns successive socket-table snapshots into flows and byte deltas. Counters are cumulative per
// socket: only deltas are added to the minute buckets, and the last counters are persisted with the
// open flow, so a restart neither loses nor double-counts bytes.

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

export class FlowTracker {
  readonly open = new Map<string, Tracked>();
  private prevAt: number | null = null;

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
      this.open.set(row.sockKey, {
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
      });
    }
  }

  /** Call inside one transaction per tick. */
  ingest(snap: Snapshot, seesClosedSockets: boolean): TickOutcome {
    const out: TickOutcome = { newApps: [], newFlows: [], closedFlows: [], perApp: new Map(), moved: false };
    const dt = this.prevAt === null ? null : Math.max(1, snap.at - this.prevAt);
    const seen = new Set<string>();

    for (const s of snap.sockets) {
      const known = this.open.get(s.key);
      if (!known && IGNORED_STATES.has(s.state)) continue;
      seen.add(s.key);
      if (known) {
        known.missing = 0;
        known.state = s.state;
        if (s.process && known.pid === null) known.pid = s.process.pid;
        this.advance(known, s.bytesOut, s.bytesIn, snap.at, dt, out);
      } else {
        const flow = this.openFlow(s, snap.at, out);
        this.advance(flow, s.bytesOut, s.bytesIn, snap.at, dt, out);
      }
    }

    for (const c of snap.closed) {
      let flow = this.open.get(c.key);
      if (!flow) {
        if (IGNORED_STATES.has(c.state) && c.bytesOut === 0 && c.bytesIn === 0) continue;
        flow = this.openFlow(c, c.closedAt, out);
      }
      this.advance(flow, c.bytesOut, c.bytesIn, snap.at, null, out);
      this.closeFlow(flow, c.closedAt, out);
    }

    for (const flow of [...this.open.values()]) {
      if (seen.has(flow.key)) continue;
      flow.missing++;
      // With destroy events, give the event one more tick to arrive with the final counters.
      if (!seesClosedSockets || flow.missing >= 2) this.closeFlow(flow, snap.at, out);
    }

    this.prevAt = snap.at;
    return out;
  }

  private openFlow(s: SocketSample | ClosedSocket, at: number, out: TickOutcome): Tracked {
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
      bytesOut: s.bytesOut === null ? null : 0,
      bytesIn: s.bytesIn === null ? null : 0,
      sockKey: s.key,
      cumOut: 0,
      cumIn: 0,
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
      // The socket's bytes so far were never counted: start from zero so they are.
      cumOut: s.bytesOut === null ? null : 0,
      cumIn: s.bytesIn === null ? null : 0,
      bytesOut: s.bytesOut === null ? null : 0,
      bytesIn: s.bytesIn === null ? null : 0,
      rateOut: null,
      rateIn: null,
      missing: 0,
    };
    this.open.set(s.key, flow);
    this.t.traffic.add(at, { appId: app.id, remoteId: remote.id, rport: s.rport, proto: s.proto, bytesOut: 0, bytesIn: 0, flows: 1 });
    out.newFlows.push(flow);
    return flow;
  }

  private advance(f: Tracked, curOut: number | null, curIn: number | null, at: number, dt: number | null, out: TickOutcome): void {
    const dOut = delta(f.cumOut, curOut);
    const dIn = delta(f.cumIn, curIn);
    if (curOut !== null) f.cumOut = curOut;
    if (curIn !== null) f.cumIn = curIn;
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
    if (f.app.lastSeen < at) this.t.apps.ensure(f.app.path, f.app.name, f.app.attributed, at);
    this.t.flows.update(f.flowId, f.bytesOut, f.bytesIn, f.cumOut, f.cumIn);
    this.t.traffic.add(at, { appId: f.app.id, remoteId: f.remote.id, rport: f.rport, proto: f.proto, bytesOut: o, bytesIn: i, flows: 0 });
    const acc = out.perApp.get(f.app.id) ?? { out: 0, in: 0 };
    acc.out += o;
    acc.in += i;
    out.perApp.set(f.app.id, acc);
  }

  private closeFlow(f: Tracked, at: number, out: TickOutcome): void {
    this.t.flows.close(f.flowId, f.bytesOut, f.bytesIn, at);
    this.open.delete(f.key);
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

/** Cumulative-counter delta; a counter that went backwards (socket reuse) restarts from zero. */
function delta(prev: number | null, cur: number | null): number | null {
  if (cur === null) return null;
  if (prev === null) return cur;
  return cur >= prev ? cur - prev : cur;
}
