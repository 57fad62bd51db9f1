// The one line Outflow adds to /etc/pf.conf so the main ruleset evaluates our anchor:
//
//   # BEGIN outflow (managed by Outflow; removed on uninstall)
//   anchor "com.outflow"
//   # END outflow
//
// Appended at the end because pf.conf wants filter rules after options, scrub and translation
// rules; the rules inside the anchor are `quick`, so they decide regardless of later rules. Pure
// text functions: the privileged helper reads the file, calls these, checks the result with
// `pfctl -n -f`, writes it atomically and reloads (docs/privileged-helper.md). Both are idempotent.
import { PF_ANCHOR } from './pf-render';

export const HOOK_BEGIN = '# BEGIN outflow (managed by Outflow; removed on uninstall)';
export const HOOK_END = '# END outflow';
export const HOOK_RULE = `anchor "${PF_ANCHOR}"`;

const BLOCK = `${HOOK_BEGIN}\n${HOOK_RULE}\n${HOOK_END}\n`;

/** Whether pf.conf already evaluates our anchor (with or without our markers). */
export function confHasHook(conf: string): boolean {
  return conf.split('\n').some((l) => stripComment(l).trim() === HOOK_RULE);
}

/** pf.conf with the hook present exactly once. Returns `conf` unchanged when it is already there. */
export function addHook(conf: string): string {
  if (hasBlock(conf)) return replaceBlock(conf, BLOCK);
  if (confHasHook(conf)) return conf; // someone added the line by hand: do not add a second one
  const body = conf.length === 0 || conf.endsWith('\n') ? conf : `${conf}\n`;
  return `${body}${BLOCK}`;
}

/** pf.conf without our block. A hand-written `anchor "com.outflow"` outside the markers is left alone. */
export function removeHook(conf: string): string {
  return hasBlock(conf) ? replaceBlock(conf, '') : conf;
}

function hasBlock(conf: string): boolean {
  const b = conf.indexOf(HOOK_BEGIN);
  return b !== -1 && conf.indexOf(HOOK_END, b) !== -1;
}

function replaceBlock(conf: string, replacement: string): string {
  const begin = conf.indexOf(HOOK_BEGIN);
  const endAt = conf.indexOf(HOOK_END, begin);
  let end = endAt + HOOK_END.length;
  if (conf[end] === '\n') end++;
  return conf.slice(0, begin) + replacement + conf.slice(end);
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash === -1 ? line : line.slice(0, hash);
}
