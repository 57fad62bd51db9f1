import type { FirewallBackend } from '../engine/ports';
import { defaultHelperCommand, createHelperBackend } from './helper-backend';
import { createIptablesBackend } from './iptables';
import { createNftablesBackend } from './nftables';
import { createNoopBackend } from './noop';
import { CommandNotFoundError, execFileRunner, firstLine, netnsRunner, type Runner } from './runner';

// Picks the Linux firewall backend, in order, and says why each earlier choice was not taken:
//   root + nft                → nftables
//   root + iptables-restore   → iptables (only when nft is missing)
//   not root + pkexec + helper → the privileged helper (which applies with nftables or iptables)
//   otherwise                 → noop ("not enforcing", with the reasons)

export interface SelectOptions {
  runner?: Runner;
  /** Run every firewall command inside this network namespace (tests). */
  netns?: string;
  /** Defaults to process.getuid() === 0. */
  isRoot?: boolean;
  /** argv that starts the privileged helper, or null for none; default: defaultHelperCommand(). */
  helperCommand?: readonly string[] | null;
  now?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

async function probe(runner: Runner, cmd: string, argv: string[]): Promise<string | null> {
  try {
    const r = await runner(cmd, argv);
    return r.code === 0 ? null : `${cmd} ${argv.join(' ')} failed: ${firstLine(r)}`;
  } catch (err) {
    return err instanceof CommandNotFoundError ? `${cmd} is not installed` : `${cmd}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export async function selectFirewall(opts: SelectOptions = {}): Promise<FirewallBackend> {
  const base = opts.runner ?? execFileRunner;
  const runner = opts.netns ? netnsRunner(opts.netns, base) : base;
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const log = opts.log ?? (() => undefined);
  const reasons: string[] = [];

  if (isRoot) {
    // `list tables` also proves the kernel side (nf_tables) works, not just that the binary exists.
    const nft = await probe(runner, 'nft', ['list', 'tables']);
    if (!nft) {
      log('info', 'firewall: nftables');
      return createNftablesBackend({ runner, now: opts.now });
    }
    reasons.push(nft);
    const ipt = await probe(runner, 'iptables-restore', ['--version']);
    if (!ipt) {
      log('warn', `firewall: iptables fallback (${nft})`);
      return createIptablesBackend({ runner, now: opts.now });
    }
    reasons.push(ipt);
  } else {
    reasons.push('not running as root');
    const command = opts.helperCommand === undefined ? defaultHelperCommand() : opts.helperCommand;
    if (!command) {
      reasons.push('the privileged helper (outflow-helper) is not installed');
    } else {
      const pkexec = command[0] ?? 'pkexec';
      const missing = await probe(base, pkexec, ['--version']);
      if (!missing) {
        log('info', `firewall: privileged helper via ${pkexec}`);
        return createHelperBackend({ command, runner: base, now: opts.now });
      }
      reasons.push(missing);
    }
  }
  const reason = reasons.join('; ');
  log('warn', `firewall: not enforcing (${reason})`);
  return createNoopBackend(reason, opts.now);
}
