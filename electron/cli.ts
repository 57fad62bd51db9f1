import { ApiError } from './shared/contract';
import { UsageError } from './cli/args';
import { commands, usage } from './cli/commands';
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
    process.stderr.write(`outflow: unknown command ${JSON.stringify(name)} (see \`outflow --help\`)\n`);
    return 2;
  }
  try {
    return await command(rest, { version: version() });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`outflow ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      process.stderr.write(`outflow ${name}: ${err.message}\n`);
      return err.code === 'invalid' ? 2 : 1;
    }
    if (err instanceof LockedError) {
      process.stderr.write(`outflow ${name}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`outflow ${name}: ${(err as Error).message}\n`);
    if (process.env.OUTFLOW_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
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
