import { hostname } from 'node:os';
import type { Db } from '../../store/db';
import { MINUTE } from '../../store/queries/traffic';
import { backoffDelay } from './backoff';
import { encodeLogs, postLogs } from './otlp';
import { FleetQueue } from './queue';
import { alertRecords, flowRecords, lastAlertId, type FleetRecord, type SinkName } from './records';
import type { FleetSettings } from '../../shared/fleet-settings';
import type { FleetStatus } from '../../shared/insight-types';

export type { FleetSinkStatus, FleetStatus } from '../../shared/insight-types';
import { formatMessage, TcpSyslogSender, UdpSyslogSender, type SyslogSender } from './syslog';

// Forwards per-minute flow summaries and alerts to an existing pipeline (OTLP/HTTP JSON logs and/or
// RFC 5424 syslog). Off by default. Every `flushIntervalMs`:
//   1. collect: completed minutes of traffic_minute and new alerts since the cursors → the on-disk queue
//      of each enabled sink (cursors advance in the same transaction);
//   2. flush: per sink, oldest first, in batches; a batch leaves the queue only once delivered (or
//      refused for good by an OTLP receiver, which is counted). A failure waits an exponential,
//      jittered back-off (or the receiver's Retry-After) before the next attempt.
// Nothing is lost while a receiver is down, up to `queueMaxRecords` per sink; beyond it the oldest
// records are dropped and counted, and the count is sent ahead of the next batch that gets through.
// When export is first enabled it starts from "now" (history is not replayed); after a restart it
// resumes from its cursors.

export interface FleetExporterOptions {
  /** The main database (read only here). */
  db: Db;
  /** The queue file, e.g. <data folder>/fleet-queue.db. */
  queuePath: string;
  settings: FleetSettings;
  version: string;
  hostName?: string;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  sqliteNativeBinding?: string;
}

export interface FleetExporter {
  start(): void;
  /** Stops the timer, waits for a running pass, closes connections and the queue. */
  stop(): Promise<void>;
  configure(settings: FleetSettings): void;
  status(): FleetStatus;
  /** One collect + flush pass now (the timer calls this; tests and `outflow` commands may too). */
  runOnce(): Promise<void>;
}

/** Minutes are exported once they are this far in the past, so late writes of a tick still land in them. */
const GRACE_MS = 15_000;
/** At most this many minutes or alerts are read from the main database per pass. */
const MAX_MINUTES_PER_PASS = 60;
const MAX_ALERTS_PER_PASS = 1000;
/** Batches per sink per pass, so one pass never runs for long. */
const MAX_BATCHES_PER_PASS = 20;
const CONNECT_TIMEOUT_MS = 10_000;

const SINKS: SinkName[] = ['otlp', 'syslog'];

interface SinkState {
  failures: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
  sent: number;
  rejected: number;
}

export function createFleetExporter(o: FleetExporterOptions): FleetExporter {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const host = o.hostName ?? hostname();
  let settings = o.settings;
  let queue: FleetQueue | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let syslog: { sender: SyslogSender; key: string } | null = null;
  const state = new Map<SinkName, SinkState>(
    SINKS.map((s) => [s, { failures: 0, nextAttemptAt: null, lastError: null, lastSuccessAt: null, sent: 0, rejected: 0 }]),
  );

  const sinkOn = (s: SinkName): boolean => settings.enabled && (s === 'otlp' ? settings.otlp.enabled && settings.otlp.url !== null : settings.syslog.enabled && settings.syslog.host !== null);
  const q = (): FleetQueue => (queue ??= new FleetQueue(o.queuePath, o.sqliteNativeBinding ? { nativeBinding: o.sqliteNativeBinding } : {}));

  function collect(): void {
    const sinks = SINKS.filter(sinkOn);
    if (sinks.length === 0) return;
    const qu = q();
    const t = now();
    const complete = Math.floor((t - GRACE_MS) / MINUTE) * MINUTE;
    qu.transaction(() => {
      const records: FleetRecord[] = [];
      let flowCursor = qu.getNumber('cursor.minute');
      if (flowCursor === null) flowCursor = complete;
      const upto = Math.min(complete, flowCursor + MAX_MINUTES_PER_PASS * MINUTE);
      if (settings.flows && upto > flowCursor) records.push(...flowRecords(o.db, flowCursor, upto));
      qu.setNumber('cursor.minute', Math.max(flowCursor, upto));

      let alertCursor = qu.getNumber('cursor.alert');
      if (alertCursor === null) alertCursor = lastAlertId(o.db);
      const alerts = settings.alerts ? alertRecords(o.db, alertCursor, MAX_ALERTS_PER_PASS) : [];
      records.push(...alerts);
      qu.setNumber('cursor.alert', alerts.length ? alerts[alerts.length - 1]!.id : settings.alerts ? alertCursor : lastAlertId(o.db));

      for (const sink of sinks) {
        const dropped = qu.enqueue(sink, records, settings.queueMaxRecords);
        if (dropped > 0) log('warn', `fleet export: the ${sink} queue is full; dropped the ${dropped} oldest records`);
      }
    });
  }

  function syslogSender(): SyslogSender {
    const s = settings.syslog;
    const key = `${s.transport}|${s.host}|${s.port}`;
    if (syslog && syslog.key === key) return syslog.sender;
    syslog?.sender.close();
    const sender = s.transport === 'tcp' ? new TcpSyslogSender(s.host!, s.port, CONNECT_TIMEOUT_MS) : new UdpSyslogSender(s.host!, s.port);
    syslog = { sender, key };
    return sender;
  }

  async function deliver(sink: SinkName, records: FleetRecord[]): Promise<{ ok: boolean; retryable: boolean; retryAfterMs: number | null; message: string | null; rejected: number }> {
    if (sink === 'otlp') {
      const body = encodeLogs(records, { serviceVersion: o.version, hostName: host }, now());
      const r = await postLogs(settings.otlp.url!, body, settings.otlp.headers, settings.otlp.timeoutMs);
      return r.ok ? { ok: true, retryable: false, retryAfterMs: null, message: r.message, rejected: r.rejected } : { ...r, rejected: 0 };
    }
    const s = settings.syslog;
    const opts = { facility: s.facility, hostname: host, appName: s.appName, procId: String(process.pid), sdId: s.sdId };
    try {
      await syslogSender().send(records.map((r) => formatMessage(r, opts)));
      return { ok: true, retryable: false, retryAfterMs: null, message: null, rejected: 0 };
    } catch (err) {
      return { ok: false, retryable: true, retryAfterMs: null, message: `syslog ${s.transport} ${s.host}:${s.port}: ${(err as Error).message}`, rejected: 0 };
    }
  }

  async function flush(sink: SinkName): Promise<void> {
    const st = state.get(sink)!;
    const qu = q();
    for (let i = 0; i < MAX_BATCHES_PER_PASS && !stopped; i++) {
      if (st.nextAttemptAt !== null && now() < st.nextAttemptAt) return;
      const batch = qu.peek(sink, settings.batchSize);
      const droppedTotal = qu.dropped(sink);
      const reported = qu.getNumber(`dropped-reported.${sink}`) ?? 0;
      const notice: FleetRecord[] = droppedTotal > reported ? [{ type: 'dropped', at: now(), sink, droppedTotal }] : [];
      if (batch.records.length === 0 && notice.length === 0) return;
      const r = await deliver(sink, [...notice, ...batch.records]);
      if (r.ok || !r.retryable) {
        qu.transaction(() => {
          if (batch.lastId > 0) qu.ack(sink, batch.lastId);
          qu.setNumber(`dropped-reported.${sink}`, droppedTotal);
        });
        st.failures = 0;
        st.nextAttemptAt = null;
        if (r.ok) {
          st.sent += batch.records.length + notice.length;
          st.rejected += r.rejected;
          st.lastSuccessAt = now();
          if (r.message) log('warn', `fleet export: ${sink} receiver: ${r.message}`);
        } else {
          st.rejected += batch.records.length + notice.length;
          st.lastError = r.message;
          log('error', `fleet export: ${r.message ?? 'refused'}; ${batch.records.length} records refused for good`);
        }
        continue;
      }
      st.failures++;
      st.lastError = r.message;
      const wait = r.retryAfterMs ?? backoffDelay(st.failures, settings.retryBaseMs, settings.retryMaxMs);
      st.nextAttemptAt = now() + wait;
      if (st.failures === 1) log('warn', `fleet export: ${r.message ?? 'failed'}; retrying with back-off`);
      return;
    }
  }

  async function pass(): Promise<void> {
    if (!settings.enabled) return;
    try {
      collect();
    } catch (err) {
      log('error', `fleet export: reading new records failed: ${(err as Error).message}`);
    }
    await Promise.all(SINKS.filter(sinkOn).map((s) => flush(s).catch((err: unknown) => log('error', `fleet export: ${s}: ${(err as Error).message}`))));
  }

  function runOnce(): Promise<void> {
    // Passes never overlap: a caller during a pass waits for it and then runs its own.
    const prev = running ?? Promise.resolve();
    const next = prev.then(pass);
    running = next.finally(() => {
      if (running === next) running = null;
    });
    return next;
  }

  function schedule(): void {
    if (stopped || timer || !settings.enabled) return;
    timer = setTimeout(() => {
      timer = null;
      void runOnce().finally(schedule);
    }, settings.flushIntervalMs);
    timer.unref();
  }

  return {
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
      syslog?.sender.close();
      syslog = null;
      queue?.close();
      queue = null;
    },
    configure(next) {
      const wasEnabled = settings.enabled;
      settings = next;
      if (!wasEnabled && next.enabled) {
        // Enabled now: export from now on, not the history of before.
        const qu = q();
        qu.transaction(() => {
          qu.setNumber('cursor.minute', Math.floor((now() - GRACE_MS) / MINUTE) * MINUTE);
          qu.setNumber('cursor.alert', lastAlertId(o.db));
        });
      }
      for (const s of SINKS) {
        const st = state.get(s)!;
        st.nextAttemptAt = null;
        st.failures = 0;
      }
      if (!next.enabled && timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (!stopped) schedule();
    },
    status() {
      return {
        enabled: settings.enabled,
        sinks: SINKS.map((s) => {
          const st = state.get(s)!;
          return {
            sink: s,
            enabled: sinkOn(s),
            queued: queue ? queue.size(s) : 0,
            dropped: queue ? queue.dropped(s) : 0,
            rejected: st.rejected,
            sent: st.sent,
            failures: st.failures,
            lastError: st.lastError,
            lastSuccessAt: st.lastSuccessAt,
            nextAttemptAt: st.nextAttemptAt,
          };
        }),
      };
    },
    runOnce,
  };
}
