import { existsSync } from 'node:fs';
import { selectFirewall } from '../firewall/select';
import { createNoopBackend } from '../firewall/noop';
import { createPfBackend } from '../firewall/pf';
import { spawnRunner } from '../firewall/pf-runner';
import { createWindowsBackend } from '../firewall/windows';
import type { Db } from '../store/db';
import { createRulesRepo, restoreRulesFromBackup, rulesBackupPath } from '../store/queries/rules';
import type { Logger } from './engine';
import type { Clock, FirewallBackend, Resolver } from './ports';
import { createRulesService, type RulesService } from './rules/service';

export interface RulesWiring {
  db: Db;
  dbPath: string;
  /** The database was found corrupt and started anew: restore the rules from their backup. */
  recovered: boolean;
  firewall: 'auto' | 'noop';
  resolver: Resolver;
  clock: Clock;
  log: Logger;
  /** Pids running an executable right now (from the live flows), for per-app scope. */
  pidsOf: (appPath: string) => number[];
}

async function chooseBackend(w: RulesWiring): Promise<FirewallBackend> {
  if (w.firewall === 'noop') return createNoopBackend('firewall disabled for this engine (--firewall noop)');
  const root = process.getuid?.() === 0;
  switch (process.platform) {
    case 'linux':
      return selectFirewall({ log: (level, m) => w.log(level, m) });
    case 'darwin':
      // Without root, the LaunchDaemon helper would apply it (docs/privileged-helper.md); not built yet.
      return root ? createPfBackend({ run: spawnRunner() }) : createNoopBackend('blocking on macOS needs root (the privileged helper is not built yet)');
    case 'win32':
      return createWindowsBackend({ run: spawnRunner() });
    default:
      return createNoopBackend(`no firewall backend for ${process.platform}`);
  }
}

/** SQLite holds the desired rules; the backend for this machine enforces them. */
export async function buildRules(w: RulesWiring): Promise<RulesService> {
  if (w.recovered && w.dbPath !== ':memory:') {
    const backup = rulesBackupPath(w.dbPath);
    if (existsSync(backup)) {
      const n = restoreRulesFromBackup(w.db, backup);
      w.log('warn', `restored ${n} rule(s) from ${backup}`);
    } else {
      w.log('error', `no rules backup at ${backup}: the rule set starts empty`);
    }
  }
  const backend = await chooseBackend(w);
  return createRulesService({
    repo: createRulesRepo(w.db, {
      backupPath: w.dbPath === ':memory:' ? null : rulesBackupPath(w.dbPath),
      onBackupError: (m) => w.log('error', m),
    }),
    backend,
    resolver: w.resolver,
    clock: w.clock,
    appScope: w.pidsOf,
    log: w.log,
  });
}
