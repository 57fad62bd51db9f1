import { ApiError } from './shared/contract';
import { UsageError } from './cli/args';
import { commands, usage } from './cli/commands';
import { safeText } from './cli/output';
import { LockedError } from './store/instance-lock';

// `outflow <command>`: plain Node, the same engine as the desktop app. Exit codes: 0 ok, 1 failure,
// 2 bad arguments (nothing was written), 3 the firewall is not enforcing.

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    fail('outflow', `unknown command ${JSON.stringify(name)} (see \`outflow --help\`)`);
    return 2;
  }
  const who = `outflow ${name}`;
  try {
    return await command(rest, { version: version() });
  } catch (err) {
    if (err instanceof UsageError) {
      fail(who, err.message);
      return 2;
    }
    if (err instanceof ApiError) {
      fail(who, err.message);
      return err.code === 'invalid' ? 2 : 1;
    }
    if (err instanceof LockedError) {
      fail(who, err.message);
      return 1;
    }
    if (isBusy(err)) {
      fail(who, `the database is locked by another program, which did not let go within the busy timeout; nothing was changed. Try again when it has finished (${(err as Error).message}).`);
      return 1;
    }
    fail(who, (err as Error).message);
    if (process.env.OUTFLOW_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

/**
 * One line on stderr. Messages often quote what the user typed: control characters, escape sequences
 * and bidi overrides in it are shown escaped, so they can neither rewrite the terminal nor reorder
 * the message.
 */
function fail(who: string, message: string): void {
  process.stderr.write(`${who}: ${safeText(message)}\n`);
}

/** SQLite could not get its lock in time (another connection holds a write transaction). */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

// `outflow connections | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`outflow: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
