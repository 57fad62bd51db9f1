// An EngineHandle for the desktop tests: input is validated by the real contract (parseInput), results
// come from per-method scripts the test sets, and every call and lifecycle step is recorded.
import { ApiError, parseInput, type EngineEvent, type Method, type MethodParsed, type MethodResults } from '../../../electron/shared/contract';
import type { EngineHandle } from '../../../electron/engine/ports';
import { defaultSettings, type Settings } from '../../../electron/shared/settings';
import type { Alert, EngineStatus, LiveSnapshot, Rule } from '../../../electron/shared/types';

export type Script = { [M in Method]?: (input: MethodParsed<M>) => MethodResults[M] | Promise<MethodResults[M]> };

export class FakeEngine implements EngineHandle {
  readonly calls: Array<{ method: Method; input: unknown }> = [];
  readonly listeners = new Set<(event: EngineEvent) => void>();
  started = 0;
  stopped = 0;
  stopDelayMs = 0;
  startError: Error | null = null;
  script: Script = {};
  /** The store's alerts, for scripted alerts.list / alerts.markSeen. */
  alerts: Alert[] = [];

  async call<M extends Method>(method: M, input: unknown): Promise<MethodResults[M]> {
    const parsed = parseInput(method, input);
    this.calls.push({ method, input: parsed });
    const fn = this.script[method] as ((i: MethodParsed<M>) => MethodResults[M] | Promise<MethodResults[M]>) | undefined;
    if (!fn) throw new ApiError('unavailable', `${method} not scripted in this test`);
    return fn(parsed);
  }
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
  emit(event: EngineEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
  async start(): Promise<void> {
    this.started += 1;
    if (this.startError) throw this.startError;
  }
  async stop(): Promise<void> {
    if (this.stopDelayMs > 0) await new Promise((r) => setTimeout(r, this.stopDelayMs));
    this.stopped += 1;
  }
  /** A new alert: stored and announced, as the engine does. */
  raise(a: Alert): void {
    this.alerts = [...this.alerts.filter((x) => x.id !== a.id), a];
    this.emit({ type: 'alert', data: a });
  }
  callsOf(method: Method): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.input);
  }
}

export function status(firewall: Partial<EngineStatus['firewall']> = {}, paused = false): EngineStatus {
  return {
    version: '0.1.0',
    startedAt: 1_700_000_000_000,
    collector: {
      mode: 'polling',
      platform: 'linux',
      notes: [],
      seesClosedSockets: true,
      udpBytes: false,
      lastTickAt: null,
      lastTickMs: null,
      lastError: null,
      intervalMs: 1000,
      paused,
      droppedSamples: 0,
    },
    firewall: {
      backend: 'nftables',
      state: 'enforcing',
      reason: null,
      ruleCount: 0,
      lastReconcileAt: null,
      appScope: false,
      appScopeNote: null,
      ...firewall,
    },
    store: { path: '/tmp/x.db', sizeBytes: 0, recoveredFrom: null, lastWriteError: null },
  };
}

export function alert(id: number, over: Partial<Alert> = {}): Alert {
  return {
    id,
    at: 1_700_000_000_000 + id * 1000,
    kind: 'new-destination',
    appId: 3,
    appName: 'curl',
    title: `curl talks to a new destination #${id}`,
    detail: '198.18.0.7:443 (example.test)',
    count: 1,
    seen: false,
    notified: true,
    ...over,
  };
}

export function rule(id: number, enabled = true): Rule {
  return {
    id,
    target: '198.18.0.9',
    kind: 'ip',
    proto: 'tcp',
    portLo: 443,
    portHi: 443,
    appPath: null,
    action: 'block',
    createdAt: 1_700_000_000_000,
    expiresAt: null,
    untilRestart: false,
    enabled,
    note: '',
    hits: null,
    resolved: [],
    appScopeEnforced: true,
  };
}

export function live(rates: number[], paused = false): LiveSnapshot {
  return {
    at: 1_700_000_000_000,
    seq: 1,
    mode: 'polling',
    intervalMs: 1000,
    paused,
    machine: null,
    apps: rates.map((rateOut, i) => ({
      key: String(i + 1),
      appId: i + 1,
      path: `/usr/bin/app${i}`,
      name: `app${i}`,
      attributed: true,
      pids: [100 + i],
      rateOut,
      rateIn: 0,
      bytesOut: 0,
      bytesIn: 0,
      flows: [],
    })),
  };
}

/** A scripted engine that answers what the desktop shell asks at start. */
export function scriptedEngine(opts: { settings?: Partial<Settings>; alerts?: Alert[]; rules?: Rule[]; status?: EngineStatus } = {}): FakeEngine {
  const engine = new FakeEngine();
  let settings: Settings = { ...defaultSettings, ...opts.settings };
  engine.alerts = opts.alerts ?? [];
  engine.script = {
    'settings.get': () => settings,
    'settings.set': (patch) => {
      settings = { ...settings, ...patch };
      engine.emit({ type: 'settings', data: settings });
      return settings;
    },
    'status.get': () => opts.status ?? status(),
    'rules.list': () => opts.rules ?? [],
    'alerts.list': (q) => {
      const list = engine.alerts.filter((a) => !q.unseenOnly || !a.seen).sort((a, b) => b.at - a.at);
      return list.slice(0, q.limit);
    },
    'alerts.markSeen': (q) => {
      let updated = 0;
      engine.alerts = engine.alerts.map((a) => {
        if (!a.seen && (q.all || q.ids?.includes(a.id))) {
          updated += 1;
          return { ...a, seen: true };
        }
        return a;
      });
      return { updated };
    },
    'live.setPaused': ({ paused }) => ({ paused }),
    'rules.remove': ({ id }) => ({ removed: id > 0 }),
  };
  return engine;
}
