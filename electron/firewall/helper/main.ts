#!/usr/bin/env node
// outflow-helper: the one privileged entry point. Run as root (by pkexec from the app, or directly
// on a server):
//   outflow-helper apply <desired-state.json>   validate, render, apply atomically, print AppliedState
//   outflow-helper status                       print what the kernel holds for Outflow
//   outflow-helper clear                        remove Outflow's table/chain
// It accepts only the typed DesiredState document (./desired-state-schema.ts), validated here again,
// runs only nft / iptables-restore with argv arrays, and prints one JSON object on stdout.
// Exit codes: 0 applied/ok, 1 applied but not enforcing, 2 document refused, 3 usage/environment.
import type { FirewallStatus } from '../../shared/types';
import { errorText } from '../applied';
import { DesiredStateError, parseDesiredState } from '../desired-state-schema';
import { createIptablesBackend } from '../iptables';
import { createNftablesBackend } from '../nftables';
import { execFileRunner } from '../runner';
import { callerUid, DocumentRefused, readDocumentFile } from './read-document';

export interface HelperOutput {
  ok: boolean;
  backend?: 'nftables' | 'iptables';
  status?: FirewallStatus;
  /** Blocked-attempt counters by rule id (JSON object keys are the ids). */
  hits?: Record<string, number>;
  present?: boolean;
  error?: string;
}

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function pickBackend(): Promise<ReturnType<typeof createNftablesBackend> | ReturnType<typeof createIptablesBackend>> {
  const works = async (cmd: string, argv: string[]): Promise<boolean> => {
    try {
      return (await execFileRunner(cmd, argv)).code === 0;
    } catch {
      return false;
    }
  };
  if (await works('nft', ['--version'])) return createNftablesBackend({ runner: execFileRunner });
  if (await works('iptables-restore', ['--version'])) return createIptablesBackend({ runner: execFileRunner });
  throw new Error('neither nft nor iptables-restore is installed');
}

const toObject = (hits: Map<number, number>): Record<string, number> => Object.fromEntries([...hits].map(([k, v]) => [String(k), v]));

export async function runHelper(argv: readonly string[]): Promise<{ code: number; out: HelperOutput }> {
  const [command, file, ...extra] = argv;
  if (process.getuid?.() !== 0) return { code: 3, out: { ok: false, error: 'outflow-helper must run as root (via pkexec)' } };
  if (extra.length > 0) return { code: 3, out: { ok: false, error: 'too many arguments' } };
  switch (command) {
    case 'apply': {
      if (!file) return { code: 3, out: { ok: false, error: 'usage: outflow-helper apply <desired-state.json>' } };
      let doc;
      try {
        doc = parseDesiredState(readDocumentFile(file, callerUid(process.env, process.getuid?.() ?? -1)));
      } catch (err) {
        if (err instanceof DocumentRefused || err instanceof DesiredStateError) return { code: 2, out: { ok: false, error: err.message } };
        throw err;
      }
      const backend = await pickBackend();
      const applied = await backend.apply(doc);
      return {
        code: applied.status.state === 'not-enforcing' ? 1 : 0,
        out: { ok: true, backend: backend.name as 'nftables' | 'iptables', status: applied.status, hits: toObject(applied.hits) },
      };
    }
    case 'status': {
      if (file) return { code: 3, out: { ok: false, error: 'usage: outflow-helper status' } };
      const backend = await pickBackend();
      const seen = await backend.inspect();
      return { code: 0, out: { ok: true, backend: backend.name as 'nftables' | 'iptables', present: seen.present, hits: toObject(seen.hits) } };
    }
    case 'clear': {
      if (file) return { code: 3, out: { ok: false, error: 'usage: outflow-helper clear' } };
      const backend = await pickBackend();
      await backend.clear();
      return { code: 0, out: { ok: true, backend: backend.name as 'nftables' | 'iptables' } };
    }
    default:
      return { code: 3, out: { ok: false, error: 'usage: outflow-helper apply <file> | status | clear' } };
  }
}

if (require.main === module) {
  process.env.PATH = SAFE_PATH;
  runHelper(process.argv.slice(2)).then(
    ({ code, out }) => {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stdout.write(`${JSON.stringify({ ok: false, error: errorText(err) })}\n`);
      process.exitCode = 3;
    },
  );
}
