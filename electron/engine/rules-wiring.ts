import { existsSync } from 'node:fs';
import { selectFirewall } from '../firewall/select';
import { createNoopBackend } from '../firewall/noop';
import type { Db } from '../store/db';
import { createRulesRepo, restoreRulesFromBackup, rulesBackupPath } from '../store/queries/rules';
import type { Logger } from './engine';
import type { Clock, Resolver } from './ports';
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
  const backend =
    w.firewall === 'noop'
      ? createNoopBackend('firewall disabled for this engine (--firewall noop)')
      : process.platform === 'linux'
        ? await selectFirewall({ log: (level, m) => w.log(level, m) })
        : createNoopBackend(`blocking on ${process.platform} needs the privileged helper, which is not installed`);
  return createRulesService({
    repo: createRulesRepo(w.db, { backupPath: w.dbPath === ':memory:' ? null : rulesBackupPath(w.dbPath) }),
    backend,
    resolver: w.resolver,
    clock: w.clock,
    appScope: w.pidsOf,
    log: w.log,
  });
}
