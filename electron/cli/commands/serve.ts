import { isIP } from 'node:net';
import { join } from 'node:path';
import { createDefaultEngine } from '../../engine/default-engine';
import { startServer } from '../../server/http';
import { writeRuntime } from '../../store/runtime-file';
import { parse, parsePort, UsageError } from '../args';
import { defaultDbPath } from '../paths';
import type { CliContext } from './index';

/** `outflow serve`: the engine plus the browser transport, until SIGINT/SIGTERM. */
export async function serve(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, {
    db: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    firewall: { type: 'string', default: 'auto' },
    quiet: { type: 'boolean' },
  });
  const port = parsePort(values.port, '--port');
  const host = values.host;
  // An IP literal (or localhost): a name would be resolved, and `AAAA` is not an address.
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError('--host: an IP address to listen on');
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost' && !values.quiet) {
    process.stderr.write(`warning: listening on ${host}: anyone who can reach it and has the token can see this machine's traffic\n`);
  }
  if (values.firewall !== 'auto' && values.firewall !== 'noop') throw new UsageError('--firewall: auto or noop');
  const dbPath = values.db ?? defaultDbPath();
  const log = (level: 'info' | 'warn' | 'error', message: string): void => {
    if (level !== 'info' || !values.quiet) process.stderr.write(`[${new Date().toISOString()}] ${level}: ${message}\n`);
  };
  const engine = await createDefaultEngine({
    dbPath,
    version: ctx.version,
    notifier: { notify: (a) => log('info', `alert: ${a.title} — ${a.detail}`) },
    firewall: values.firewall,
    mode: 'serve',
    log,
  });
  await engine.start();
  const server = await startServer({
    engine,
    host: host === 'localhost' ? '127.0.0.1' : host,
    port,
    staticDir: join(__dirname, '..', '..', '..', 'renderer'),
    log: (m) => log('warn', m),
  });
  const removeRuntime = writeRuntime(dbPath, { pid: process.pid, url: server.url, token: server.token });
  process.stdout.write(`Outflow is running at ${server.url}\n`);
  process.stdout.write(`database: ${dbPath}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  removeRuntime();
  await server.close();
  await engine.stop();
  return 0;
}
