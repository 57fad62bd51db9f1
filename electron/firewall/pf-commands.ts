// Every pfctl invocation the backend makes, as argv arrays. Pure, so tests pin them exactly.
// Deliberately absent: `pfctl -d` (it would turn pf off under every other user of it — macOS
// pf is shared and reference-counted) and `-F all` / `-F states` (global, not anchor-scoped).
import { PF_ANCHOR } from './pf-render';

export const PFCTL = '/sbin/pfctl';

export interface Argv {
  cmd: string;
  argv: string[];
}

const TABLE_RE = /^outflow_[1-9][0-9]{0,15}_[46]$/;
const TOKEN_RE = /^[0-9]{1,20}$/;

function pf(argv: string[], cmd = PFCTL): Argv {
  return { cmd, argv };
}

function checkTable(table: string): string {
  if (!TABLE_RE.test(table)) throw new Error(`pf: refusing table name ${JSON.stringify(table)}`);
  return table;
}

function checkFile(file: string): string {
  if (!file.startsWith('/') || file.includes('\n')) throw new Error('pf: rule files must be absolute paths');
  return file;
}

export const pfCommands = {
  /** Load rules and tables of our anchor atomically from a 0600 file. */
  loadAnchor: (file: string, cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-f', checkFile(file)], cmd),
  /** Swap one table's contents atomically (rule counters are kept). */
  replaceTable: (table: string, file: string, cmd?: string): Argv =>
    pf(['-a', PF_ANCHOR, '-t', checkTable(table), '-T', 'replace', '-f', checkFile(file)], cmd),
  /** Drop a table no rule references any more. */
  killTable: (table: string, cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-t', checkTable(table), '-T', 'kill'], cmd),
  showTable: (table: string, cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-t', checkTable(table), '-T', 'show'], cmd),
  showTables: (cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-s', 'Tables'], cmd),
  /** Our rules with `[ Evaluations … Packets … ]` counters. */
  showAnchorRules: (cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-sr', '-v'], cmd),
  /** The main ruleset: is `anchor "com.outflow"` hooked in? */
  showMainRules: (cmd?: string): Argv => pf(['-sr'], cmd),
  /** `Status: Enabled|Disabled …` */
  showInfo: (cmd?: string): Argv => pf(['-s', 'info'], cmd),
  /** Take a pf enable reference; prints `Token : <n>` on stderr. */
  enableRef: (cmd?: string): Argv => pf(['-E'], cmd),
  /** Give our reference back; pf stays on while anyone else holds one. */
  releaseRef: (token: string, cmd?: string): Argv => {
    if (!TOKEN_RE.test(token)) throw new Error('pf: refusing malformed enable token');
    return pf(['-X', token], cmd);
  },
  flushAnchorRules: (cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-F', 'rules'], cmd),
  flushAnchorTables: (cmd?: string): Argv => pf(['-a', PF_ANCHOR, '-F', 'Tables'], cmd),
  /** Syntax-check a pf.conf without loading it (the helper does this before touching /etc/pf.conf). */
  checkConf: (file: string, cmd?: string): Argv => pf(['-n', '-f', checkFile(file)], cmd),
  /** Reload the main ruleset (re-installs the anchor hook after pf.conf gained it back). */
  loadMainConf: (file: string, cmd?: string): Argv => pf(['-f', checkFile(file)], cmd),
};
