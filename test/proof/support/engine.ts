// An engine assembled in-process from the real parts (store on disk, Linux collector, rules service,
// alerts, geo, resolver), with what a test needs to inject: the clock, and a collector to wrap.
import { createLinuxCollector } from '../../../electron/collector/linux';
import { createAlertsService } from '../../../electron/engine/alerts/service';
import { createDoctor } from '../../../electron/engine/doctor';
import { createEngine, type Logger } from '../../../electron/engine/engine';
import { installedAt } from '../../../electron/engine/installed-at';
import type { Clock, Collector } from '../../../electron/engine/ports';
import { createRulesService, type RulesService } from '../../../electron/engine/rules/service';
import { createNoopBackend } from '../../../electron/firewall/noop';
import { createGeo } from '../../../electron/net/geo';
import { createResolver } from '../../../electron/net/resolver';
import { openStore, type Db } from '../../../electron/store/db';
import { createRulesRepo } from '../../../electron/store/queries/rules';
import { loadSettings } from '../../../electron/store/queries/settings';

/** Wall and monotonic time that follow the real clocks, plus offsets a test moves to make them jump. */
export class TestClock implements Clock {
  wallOffset = 0;
  monoOffset = 0;
  now(): number {
    return Date.now() + this.wallOffset;
  }
  monotonic(): number {
    return performance.now() + this.monoOffset;
  }
}

export interface TestEngine {
  engine: ReturnType<typeof createEngine>;
  rules: RulesService;
  db: Db;
  logs: string[];
}

export function buildEngine(o: { dbPath: string; clock: Clock; wrap?: (c: Collector) => Collector }): TestEngine {
  const logs: string[] = [];
  const log: Logger = (level, message) => logs.push(`${level}: ${message}`);
  const { db, recoveredFrom } = openStore({ path: o.dbPath });
  const settings = loadSettings(db);
  const resolver = createResolver();
  const collector = createLinuxCollector({ clock: o.clock });
  const rules = createRulesService({
    repo: createRulesRepo(db),
    backend: createNoopBackend('test engine', () => o.clock.now()),
    resolver,
    clock: o.clock,
    log,
  });
  const engine = createEngine({
    db,
    dbPath: o.dbPath,
    recoveredFrom,
    collector: o.wrap ? o.wrap(collector) : collector,
    rules,
    alerts: createAlertsService({ db, settings, installedAt: installedAt(db, o.clock.now(), true), tickDetectors: [], firewallDetectors: [] }),
    geo: createGeo({ warn: (m) => log('warn', m) }),
    resolver,
    notifier: { notify: () => {} },
    doctor: createDoctor({ dbPath: o.dbPath }),
    version: 'test',
    clock: o.clock,
    log,
  });
  return { engine, rules, db, logs };
}
