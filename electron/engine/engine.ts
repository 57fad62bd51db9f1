import { statSync } from 'node:fs';
import { ApiError, isMethod, parseInput, type ApiHandlers, type EngineEvent, type Method, type MethodResults } from '../shared/contract';
import type { Settings } from '../shared/settings';
import type { CollectorStatus, EngineStatus, LiveSnapshot, MachineRates, Overview } from '../shared/types';
import { quickWrites, withBusyTimeout, type Db } from '../store/db';
import { storeProblem } from '../store/store-errors';
import { AppsTable } from '../store/queries/apps';
import { FlowsTable } from '../store/queries/flows';
import { ProcessesTable } from '../store/queries/processes';
import { RemotesTable } from '../store/queries/remotes';
import { appSummaries, destinations, historyPage, machineSince, series, totalsSince, type ReportContext } from '../store/queries/reports';
import { minuteHorizon, pruneBatch, reclaimSpace, rewindRollups, rollUpHours } from '../store/queries/retention';
import { loadSettings, saveSettings } from '../store/queries/settings';
import { TrafficTable } from '../store/queries/traffic';
import { Cadence } from './cadence';
import { FlowTracker, type TickOutcome } from './flow-tracker';
import { buildLiveSnapshot } from './live-view';
import type { Clock, Collector, CollectorCapabilities, DoctorProbe, EngineHandle, Geo, InterfaceTotals, Notifier, Resolver } from './ports';
import { systemClock } from './ports';
import type { AlertsPort, RulesPort } from './services';
import type { FleetStatus } from '../shared/insight-types';
import { costSummary } from '../insight/cost';
import { complianceReport } from '../insight/compliance-report';

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface EngineOptions {
  db: Db;
  dbPath: string;
  recoveredFrom: string | null;
  collector: Collector;
  rules: RulesPort;
  alerts: AlertsPort;
  geo: Geo;
  resolver: Resolver;
  notifier: Notifier;
  doctor: DoctorProbe;
  version: string;
  clock?: Clock;
  log?: Logger;
  /** False for engines that only serve queries or change rules (CLI without a running serve). */
  collect?: boolean;
  /** Forwarding of summaries to a fleet pipeline, when configured. */
  fleetStatus?: () => FleetStatus;
  /** Runs before the database closes (exporters, background hashing). */
  beforeClose?: () => Promise<void>;
  /** Called after stop() has closed everything (e.g. to release the instance lock). */
  onStopped?: () => void;
}

const MAINTENANCE_EVERY_MS = 60_000;
/** How long a tick or roll-up waits for a lock another program holds before retrying next tick. */
const WRITE_BUSY_MS = 250;
const STATUS_EVERY_MS = 5_000;
const REPROBE_EVERY_MS = 5_000;
/** A tick stamped this much before the previous one means the wall clock was set back. */
const BACKWARD_JUMP_MS = 1_000;

/** The engine: one poll loop writing one transaction per tick, and the API every transport serves. */
export function createEngine(o: EngineOptions): EngineHandle & { status(): EngineStatus; pidsOf(appPath: string): number[] } {
  const clock = o.clock ?? systemClock;
  const log: Logger = o.log ?? (() => {});
  const db = o.db;
  // A collecting engine writes every tick: its connection gives up on another program's lock quickly
  // by habit (rule and settings changes still wait; see `durably`), so ticks set no pragmas.
  if (o.collect !== false) quickWrites(db, WRITE_BUSY_MS);
  /** One transaction wrapper for every tick; better-sqlite3 builds a new one per `db.transaction()` call. */
  const inTransaction = db.transaction((fn: () => TickOutcome): TickOutcome => fn());
  const startedAt = clock.now();
  const wallAtStart = startedAt;
  const monoAtStart = clock.monotonic();
  const listeners = new Map<(e: EngineEvent) => void, ((type: EngineEvent['type']) => boolean) | null>();
  let settings: Settings = loadSettings(db, (m) => log('warn', m));
  const cadence = new Cadence(settings.pollMs, settings.idlePollMs);

  let tables = makeTables(db);
  let tracker = new FlowTracker(tables, o.geo, o.resolver);
  tracker.restore();

  let caps: CollectorCapabilities = { mode: 'unsupported', platform: process.platform, notes: [], seesClosedSockets: false, udpBytes: false };
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let collecting = false;
  let stopped = false;
  let paused = false;
  let tickInFlight: Promise<void> | null = null;
  let seq = 0;
  let lastTickAt: number | null = null;
  let lastTickMs: number | null = null;
  let lastError: string | null = null;
  let lastWriteError: string | null = null;
  let dropped = 0;
  let prevMachine: { at: number; totals: InterfaceTotals } | null = null;
  let machineRates: MachineRates | null = null;
  // The live view is built when someone reads it (an open window, a `live.snapshot` call), not every
  // tick: with no window open it was a third of an idle engine's JavaScript time.
  let liveTick: { at: number; seq: number } | null = null;
  let lastLive: LiveSnapshot | null = null;
  let lastMaintenance = -Infinity;
  let lastStatusEmit = -Infinity;
  let lastReprobe = -Infinity;

  const emit = (event: EngineEvent): void => {
    for (const [l, wants] of listeners) {
      if (wants && !wants(event.type)) continue;
      try {
        l(event);
      } catch (err) {
        log('warn', `event listener failed: ${String(err)}`);
      }
    }
  };

  o.resolver.onResolved((addr, host) => {
    try {
      tables.remotes.recordHost(addr, host, clock.now());
    } catch (err) {
      log('warn', `could not store the name of ${addr}: ${String(err)}`);
    }
  });
  o.alerts.configure(settings);
  o.alerts.onAlert((alert) => {
    emit({ type: 'alert', data: alert });
    if (alert.notified) o.notifier.notify(alert);
  });
  o.rules.onChange((rules, fw) => {
    emit({ type: 'rules', data: rules });
    try {
      o.alerts.onFirewall(fw, rules, clock.now());
    } catch (err) {
      log('warn', `alerts on firewall change failed: ${String(err)}`);
    }
  });

  /** Wall time that ignores a forward jump of the clock, so retention never deletes fresh rows. */
  const trustedNow = (): number => Math.min(clock.now(), wallAtStart + (clock.monotonic() - monoAtStart) + 60_000);

  function collectorStatus(): CollectorStatus {
    return {
      mode: caps.mode,
      platform: caps.platform,
      notes: caps.notes,
      seesClosedSockets: caps.seesClosedSockets,
      udpBytes: caps.udpBytes,
      lastTickAt,
      lastTickMs,
      lastError,
      intervalMs: cadence.current(),
      paused,
      droppedSamples: dropped,
    };
  }

  function status(): EngineStatus {
    // The write-ahead log is part of what the database takes on disk.
    let sizeBytes = 0;
    for (const file of [o.dbPath, `${o.dbPath}-wal`]) {
      try {
        sizeBytes += statSync(file).size;
      } catch {
        /* in-memory, not yet written, or no WAL right now */
      }
    }
    return {
      version: o.version,
      startedAt,
      collector: collectorStatus(),
      firewall: o.rules.status(),
      store: { path: o.dbPath, sizeBytes, recoveredFrom: o.recoveredFrom, lastWriteError },
    };
  }

  function ingest(snapAt: number, fn: () => TickOutcome): TickOutcome | null {
    try {
      const outcome = withBusyTimeout(db, WRITE_BUSY_MS, () => inTransaction(fn));
      lastWriteError = null;
      return outcome;
    } catch (err) {
      // The transaction rolled back (disk full, I/O error): rebuild the in-memory view from what the
      // database holds, so the next successful tick continues from the last persisted counters.
      lastWriteError = `could not write at ${new Date(snapAt).toISOString()}: ${(err as Error).message}`;
      log('error', lastWriteError);
      tables = makeTables(db);
      tracker = new FlowTracker(tables, o.geo, o.resolver);
      tracker.restore();
      return null;
    }
  }

  /** A collector that could not start (e.g. `ss` missing) is probed again, so it recovers without a restart. */
  async function reprobe(): Promise<void> {
    if (caps.mode !== 'unsupported' || clock.monotonic() - lastReprobe < REPROBE_EVERY_MS) return;
    lastReprobe = clock.monotonic();
    caps = await o.collector.start();
    if (caps.mode !== 'unsupported') log('info', `collector works again (${caps.mode})`);
  }

  async function tick(): Promise<void> {
    const t0 = clock.monotonic();
    let active = false;
    try {
      await reprobe();
      const snap = await o.collector.snapshot();
      dropped = snap.dropped;
      const live = o.collector.notes?.();
      if (live && !snap.mode) caps = { ...caps, notes: live };
      if (snap.mode && snap.mode !== caps.mode) {
        caps = { ...caps, mode: snap.mode, notes: snap.notes ?? caps.notes };
        log('warn', `collector mode is now ${snap.mode}: ${caps.notes.join('; ')}`);
      }
      // A backward clock jump: this tick writes into hours the roll-ups already passed.
      if (lastTickAt !== null && snap.at < lastTickAt - BACKWARD_JUMP_MS) rewindAfterJump(snap.at);
      const outcome = ingest(snap.at, () => {
        const out = tracker.ingest(snap, caps.seesClosedSockets);
        recordMachine(snap.at, snap.machine);
        o.alerts.onTick(out, snap.at);
        return out;
      });
      active = !!outcome && (outcome.moved || outcome.newFlows.length > 0 || outcome.closedFlows.length > 0);
      lastTickAt = snap.at;
      if (lastError !== null) log('info', `collector recovered after: ${lastError}`);
      lastError = null;
      liveTick = { at: snap.at, seq: ++seq };
      lastLive = null;
      if (wanted('live')) emit({ type: 'live', data: currentLive()! });
    } catch (err) {
      const message = (err as Error).message;
      // Once per distinct failure, not once per tick (a missing `ss` fails every 250 ms).
      if (message !== lastError) log('warn', `tick failed (will retry every tick): ${message}`);
      lastError = message;
    }
    lastTickMs = clock.monotonic() - t0;
    maintain();
    if (clock.monotonic() - lastStatusEmit >= STATUS_EVERY_MS && wanted('status')) {
      lastStatusEmit = clock.monotonic();
      emit({ type: 'status', data: status() });
    }
    schedule(cadence.next(active));
  }

  function rewindAfterJump(at: number): void {
    try {
      withBusyTimeout(db, WRITE_BUSY_MS, () => rewindRollups(db, at));
      log('warn', `the clock went back to ${new Date(at).toISOString()}; hours from then on will be rolled up again`);
    } catch (err) {
      log('warn', `could not rewind the roll-ups after the clock went back: ${(err as Error).message}`);
    }
  }

  function wanted(type: EngineEvent['type']): boolean {
    for (const wants of listeners.values()) if (!wants || wants(type)) return true;
    return false;
  }

  /** The live view as of the last tick, built on first use. */
  function currentLive(): LiveSnapshot | null {
    if (!liveTick) return null;
    lastLive ??= buildLiveSnapshot({
      at: liveTick.at,
      seq: liveTick.seq,
      mode: caps.mode,
      intervalMs: cadence.current(),
      paused,
      open: tracker.open.values(),
      machine: machineRates,
      match: o.rules.match,
    });
    return lastLive;
  }

  function recordMachine(at: number, totals: InterfaceTotals | null): void {
    if (!totals) return;
    if (prevMachine && at > prevMachine.at) {
      const tx = Math.max(0, totals.txBytes - prevMachine.totals.txBytes);
      const rx = Math.max(0, totals.rxBytes - prevMachine.totals.rxBytes);
      const dt = (at - prevMachine.at) / 1000;
      machineRates = { txRate: tx / dt, rxRate: rx / dt };
      if (tx > 0 || rx > 0) tables.traffic.addMachine(at, tx, rx);
    }
    prevMachine = { at, totals };
  }

  function maintain(): void {
    const mono = clock.monotonic();
    if (mono - lastMaintenance < MAINTENANCE_EVERY_MS) return;
    lastMaintenance = mono;
    try {
      const now = trustedNow();
      withBusyTimeout(db, WRITE_BUSY_MS, () => {
        rollUpHours(db, now);
        const r = pruneBatch(db, now, settings);
        if (r.flows + r.minutes + r.hours + r.days + r.alerts > 0) reclaimSpace(db);
      });
    } catch (err) {
      log('warn', `maintenance failed: ${(err as Error).message}`);
    }
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      if (paused) return schedule(settings.pollMs);
      tickInFlight = tick().finally(() => {
        tickInFlight = null;
      });
    }, ms);
  }

  function reportContext(): ReportContext {
    return { now: clock.now(), costPerGb: settings.costPerGb, minuteHorizon: minuteHorizon(db) };
  }

  function overview(): Overview {
    const now = clock.now();
    const day = new Date(now);
    day.setHours(0, 0, 0, 0);
    const month = new Date(now);
    month.setDate(1);
    month.setHours(0, 0, 0, 0);
    const today = totalsSince(db, day.getTime(), now + 60_000);
    const monthTotals = totalsSince(db, month.getTime(), now + 60_000);
    const machineToday = machineSince(db, day.getTime(), now + 60_000);
    let rateOut = 0;
    let rateIn = 0;
    for (const a of currentLive()?.apps ?? []) {
      if (a.flows.every((f) => f.scope === 'loopback')) continue;
      rateOut += a.rateOut;
      rateIn += a.rateIn;
    }
    const perGb = settings.costPerGb / 1e9;
    const monthElapsed = Math.max(1, now - month.getTime());
    const monthLength = new Date(month.getFullYear(), month.getMonth() + 1, 1).getTime() - month.getTime();
    return {
      at: now,
      rateOut,
      rateIn,
      todayOut: today.out,
      todayIn: today.in,
      machine: machineRates,
      machineTodayOut: machineToday,
      coverage: machineToday && machineToday > 0 ? Math.min(1, today.out / machineToday) : null,
      costToday: today.billable * perGb,
      costMonth: monthTotals.billable * perGb,
      costProjectedMonth: ((monthTotals.billable * perGb) / monthElapsed) * monthLength,
      currency: settings.currency,
    };
  }

  function applySettings(next: Settings): Settings {
    settings = next;
    cadence.configure(settings.pollMs, settings.idlePollMs);
    o.alerts.configure(settings);
    emit({ type: 'settings', data: settings });
    return settings;
  }

  const handlers: ApiHandlers = {
    'status.get': () => status(),
    'live.snapshot': () =>
      currentLive() ?? {
        at: clock.now(),
        seq,
        mode: caps.mode,
        intervalMs: cadence.current(),
        paused,
        apps: [],
        machine: machineRates,
      },
    'live.setPaused': ({ paused: p }) => {
      paused = p;
      lastLive = null;
      emit({ type: 'status', data: status() });
      return { paused };
    },
    'overview.get': () => overview(),
    'apps.list': (q) => appSummaries(db, reportContext(), q),
    'apps.destinations': (q) => destinations(db, reportContext(), q),
    'apps.series': (q) => series(db, reportContext(), q),
    'history.query': (q) => historyPage(db, q, clock.now()),
    'rules.list': () => o.rules.list(),
    'rules.add': (input) => o.rules.add(input),
    'rules.remove': async ({ id }) => {
      const removed = await o.rules.remove(id);
      if (!removed) throw new ApiError('not-found', `rule ${id} does not exist`);
      return { removed };
    },
    'rules.setEnabled': ({ id, enabled }) => o.rules.setEnabled(id, enabled),
    'rules.import': (input) => o.rules.importRules(input),
    'rules.export': () => o.rules.exportRules(),
    'alerts.list': (q) => o.alerts.list(q),
    'alerts.markSeen': (q) => ({ updated: o.alerts.markSeen(q) }),
    'alerts.mute': ({ appId, muted }) => {
      const set = new Set(settings.mutedAppIds);
      if (muted) set.add(appId);
      else set.delete(appId);
      return applySettings(saveSettings(db, settings, { mutedAppIds: [...set] }));
    },
    'settings.get': () => settings,
    'settings.set': (patch) => applySettings(saveSettings(db, settings, patch)),
    'doctor.run': () => o.doctor.run(),
    'cost.summary': (q) => {
      const now = clock.now();
      return costSummary(db, {
        since: q.since ?? now - 30 * 86_400_000,
        until: q.until ?? now + 60_000,
        now,
        costPerGb: settings.costPerGb,
        currency: settings.currency,
        destinationLimit: q.destinationLimit,
      });
    },
    'report.compliance': (q) => {
      const now = clock.now();
      return complianceReport(
        db,
        { since: q.since ?? now - 30 * 86_400_000, until: q.until ?? now + 60_000, outside: q.outside?.map((c) => c.toUpperCase()), includeLan: q.includeLan === true },
        now,
      );
    },
    'fleet.status': () => o.fleetStatus?.() ?? { enabled: false, sinks: [] },
  };

  return {
    async call<M extends Method>(method: M, input: unknown): Promise<MethodResults[M]> {
      if (!isMethod(method)) throw new ApiError('not-found', `unknown method ${String(method)}`);
      const parsed = parseInput(method, input);
      const handler = handlers[method] as (i: typeof parsed) => Promise<MethodResults[M]> | MethodResults[M];
      try {
        return await handler(parsed);
      } catch (err) {
        // A locked or full database is a condition to report, not an internal error.
        const problem = err instanceof ApiError ? null : storeProblem(err);
        if (problem) throw new ApiError('unavailable', `${method}: ${problem}`);
        throw err;
      }
    },
    subscribe(listener, wants) {
      listeners.set(listener, wants ?? null);
      return () => listeners.delete(listener);
    },
    async start() {
      if (running) return;
      running = true;
      await o.rules.start();
      if (o.collect === false) return;
      caps = await o.collector.start();
      collecting = true;
      for (const note of caps.notes) log('info', `collector: ${note}`);
      await tick();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (tickInFlight) await tickInFlight;
      if (collecting) await o.collector.stop();
      if (running) await o.rules.stop();
      o.resolver.close();
      listeners.clear();
      await o.beforeClose?.();
      db.close();
      o.onStopped?.();
    },
    status,
    pidsOf(appPath) {
      const pids = new Set<number>();
      for (const f of tracker.open.values()) if (f.app.path === appPath && f.pid !== null) pids.add(f.pid);
      return [...pids];
    },
  };
}

function makeTables(db: Db) {
  return {
    apps: new AppsTable(db),
    processes: new ProcessesTable(db),
    remotes: new RemotesTable(db),
    flows: new FlowsTable(db),
    traffic: new TrafficTable(db),
  };
}
