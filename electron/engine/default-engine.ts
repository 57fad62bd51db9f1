// Composition shared by main.ts and cli.ts: opens the store, picks the collector and firewall for
// this OS, and assembles the engine. The only place that knows every concrete implementation.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPlatformCollector } from '../collector';
import { createGeo } from '../net/geo';
import { createResolver } from '../net/resolver';
import { openStore } from '../store/db';
import { acquireInstanceLock, type InstanceLock } from '../store/instance-lock';
import { createAlertsService } from './alerts/service';
import { createDetectors } from './alerts/detectors';
import { createFleetExporter } from '../insight/fleet/exporter';
import { installedAt } from './installed-at';
import { createDoctor } from './doctor';
import { createEngine, type Logger } from './engine';
import type { EngineHandle, Notifier } from './ports';
import { systemClock } from './ports';
import { buildRules } from './rules-wiring';
import { loadSettings } from '../store/queries/settings';

export interface DefaultEngineOptions {
  dbPath: string;
  notifier: Notifier;
  version: string;
  /** 'auto' picks nftables/iptables/pf/windows when privileged (or via the helper), else noop. */
  firewall?: 'auto' | 'noop';
  /**
   * serve: record and enforce (takes the instance lock); rules: change rules only (CLI without a
   * running engine; takes the lock); read: answer queries from the database; oneshot: one reading
   * of live sockets into an in-memory database.
   */
  mode?: 'serve' | 'rules' | 'read' | 'oneshot';
  /** Electron passes an Electron-ABI better-sqlite3 binary here (see README). */
  sqliteNativeBinding?: string;
  log?: Logger;
}

export async function createDefaultEngine(o: DefaultEngineOptions): Promise<EngineHandle> {
  const mode = o.mode ?? 'serve';
  const log: Logger = o.log ?? (() => {});
  const clock = systemClock;
  if (o.dbPath !== ':memory:' && mode !== 'read') mkdirSync(dirname(o.dbPath), { recursive: true, mode: 0o700 });
  const lock: InstanceLock | null = (mode === 'serve' || mode === 'rules') && o.dbPath !== ':memory:' ? acquireInstanceLock(o.dbPath) : null;
  try {
    const { db, recoveredFrom } = openStore({
      path: o.dbPath,
      readonly: mode === 'read' && o.dbPath !== ':memory:',
      ...(o.sqliteNativeBinding ? { nativeBinding: o.sqliteNativeBinding } : {}),
    });
    if (recoveredFrom) log('error', `the database was corrupt and was moved to ${recoveredFrom}; a new one was started`);
    const settings = loadSettings(db, (m) => log('warn', m));
    const resolver = createResolver();
    const geo = createGeo({ warn: (m) => log('warn', m) });
    let engineRef: ReturnType<typeof createEngine> | null = null;
    const rules = await buildRules({
      db,
      dbPath: o.dbPath,
      recovered: recoveredFrom !== null,
      firewall: mode === 'read' || mode === 'oneshot' ? 'noop' : (o.firewall ?? 'auto'),
      resolver,
      clock,
      log,
      pidsOf: (path) => engineRef?.pidsOf(path) ?? [],
    });
    const detectors = createDetectors(db);
    const alerts = createAlertsService({
      db,
      settings,
      installedAt: installedAt(db, clock.now(), mode !== 'read'),
      tickDetectors: detectors.tickDetectors,
      firewallDetectors: detectors.firewallDetectors,
    });
    const fleet =
      mode === 'serve' && o.dbPath !== ':memory:'
        ? createFleetExporter({
            db,
            queuePath: join(dirname(o.dbPath), 'fleet-queue.db'),
            settings: settings.fleet,
            version: o.version,
            log,
            ...(o.sqliteNativeBinding ? { sqliteNativeBinding: o.sqliteNativeBinding } : {}),
          })
        : null;
    engineRef = createEngine({
      db,
      dbPath: o.dbPath,
      recoveredFrom,
      collector: createPlatformCollector(process.platform, { precise: mode === 'serve', log: (m) => log('warn', m) }),
      rules,
      alerts,
      geo,
      resolver,
      notifier: o.notifier,
      doctor: createDoctor({ dbPath: o.dbPath }),
      version: o.version,
      clock,
      log,
      collect: mode === 'serve' || mode === 'oneshot',
      fleetStatus: fleet ? () => fleet.status() : undefined,
      beforeClose: async () => {
        await fleet?.stop();
        detectors.close();
      },
      onStopped: () => lock?.release(),
    });
    if (fleet) {
      engineRef.subscribe(
        (e) => {
          if (e.type === 'settings') fleet.configure(e.data.fleet);
        },
        (type) => type === 'settings',
      );
      fleet.start();
    }
    return engineRef;
  } catch (err) {
    lock?.release();
    throw err;
  }
}
