import type { FlowRecord, LiveSnapshot } from '../../shared/types';
import { parse, parsePort, parseTime, UsageError } from '../args';
import { formatBytes, formatTime, printJson, printTable } from '../output';
import { defaultDbPath } from '../paths';
import { openTarget } from '../target';
import { toCsv } from '../../shared/csv';
import type { CliContext } from './index';

const common = { db: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } } as const;

export async function connections(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, common);
  const dbPath = values.db ?? defaultDbPath();
  const target = await openTarget({ dbPath, mutate: false, version: ctx.version, oneShotLive: true });
  try {
    const snap = await target.call('live.snapshot', {});
    const shown = filterLoopback(snap, values.all === true);
    if (values.json) printJson(shown);
    else {
      const rows = shown.apps.flatMap((a) =>
        a.flows.map((f) => [a.name, f.proto, `${f.remote}:${f.rport}`, f.host ?? '', f.country ?? '', f.state, formatBytes(f.bytesOut), formatBytes(f.bytesIn)]),
      );
      printTable(['APP', 'PROTO', 'DESTINATION', 'HOST', 'CC', 'STATE', 'SENT', 'RECEIVED'], rows);
      if (!target.remote) process.stdout.write('(one reading; run `outflow serve` for rates and history)\n');
    }
    return 0;
  } finally {
    await target.close();
  }
}

function filterLoopback(snap: LiveSnapshot, all: boolean): LiveSnapshot {
  if (all) return snap;
  const apps = snap.apps
    .map((a) => ({ ...a, flows: a.flows.filter((f) => f.scope !== 'loopback') }))
    .filter((a) => a.flows.length > 0);
  return { ...snap, apps };
}

export async function apps(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { ...common, since: { type: 'string' }, until: { type: 'string' } });
  const now = Date.now();
  const input = {
    since: values.since ? parseTime(values.since, '--since', now) : undefined,
    until: values.until ? parseTime(values.until, '--until', now) : undefined,
    includeLoopback: values.all === true,
  };
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const list = await target.call('apps.list', input);
    if (values.json) {
      // Each app with where it sent data (top 10 destinations by bytes sent).
      const withDest = [];
      for (const app of list) {
        const dests = await target.call('apps.destinations', { appId: app.id, since: input.since, until: input.until, limit: 10 });
        withDest.push({ ...app, destinations: dests.filter((d) => input.includeLoopback || d.scope !== 'loopback') });
      }
      printJson(withDest);
    }
    else
      printTable(
        ['APP', 'SENT', 'RECEIVED', 'FLOWS', 'LAST SEEN', 'PATH'],
        list.map((a) => [a.name, formatBytes(a.bytesOut), formatBytes(a.bytesIn), a.flows, formatTime(a.lastSeen), a.attributed ? a.path : '(no process found)']),
      );
    return 0;
  } finally {
    await target.close();
  }
}

const historyOptions = {
  ...common,
  since: { type: 'string' },
  until: { type: 'string' },
  app: { type: 'string' },
  host: { type: 'string' },
  q: { type: 'string' },
  proto: { type: 'string' },
  port: { type: 'string' },
  country: { type: 'string' },
  limit: { type: 'string' },
} as const;

function historyInput(values: Partial<Record<keyof typeof historyOptions, string | boolean>>): Record<string, unknown> {
  const now = Date.now();
  const s = (k: keyof typeof historyOptions): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const proto = s('proto');
  if (proto !== undefined && proto !== 'tcp' && proto !== 'udp') throw new UsageError('--proto: tcp or udp');
  const limit = s('limit');
  if (limit !== undefined && !/^\d{1,6}$/.test(limit)) throw new UsageError('--limit: a whole number');
  const port = s('port');
  return {
    since: s('since') ? parseTime(s('since')!, '--since', now) : undefined,
    until: s('until') ? parseTime(s('until')!, '--until', now) : undefined,
    app: s('app'),
    host: s('host'),
    q: s('q'),
    proto,
    port: port === undefined ? undefined : parsePort(port, '--port'),
    country: s('country'),
    includeLoopback: values.all === true,
    limit: limit === undefined ? undefined : Number(limit),
  };
}

export async function history(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, historyOptions);
  const input = historyInput(values);
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const page = await target.call('history.query', input);
    if (values.json) printJson(page);
    else {
      printTable(
        ['OPENED', 'APP', 'PROTO', 'DESTINATION', 'HOST', 'SENT', 'RECEIVED'],
        page.rows.map((r) => [formatTime(r.openedAt), r.appName, r.proto, `${r.remote}:${r.rport}`, r.host ?? '', formatBytes(r.bytesOut), formatBytes(r.bytesIn)]),
      );
      process.stdout.write(`${page.totals.count} flows, ${formatBytes(page.totals.bytesOut)} sent, ${formatBytes(page.totals.bytesIn)} received\n`);
    }
    return 0;
  } finally {
    await target.close();
  }
}

export const EXPORT_COLUMNS: (keyof FlowRecord)[] = [
  'openedAt',
  'closedAt',
  'appName',
  'appPath',
  'attributed',
  'pid',
  'uid',
  'proto',
  'local',
  'lport',
  'remote',
  'rport',
  'host',
  'country',
  'asn',
  'org',
  'scope',
  'bytesOut',
  'bytesIn',
];

export async function exportHistory(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { ...historyOptions, format: { type: 'string' } });
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError('--format csv|json is required');
  const input = historyInput(values);
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const pageSize = 10_000;
    if (values.format === 'csv') process.stdout.write(toCsv(EXPORT_COLUMNS, []));
    else process.stdout.write('[');
    let first = true;
    for (let offset = 0; ; offset += pageSize) {
      const page = await target.call('history.query', { ...input, limit: pageSize, offset });
      for (const row of page.rows) {
        if (values.format === 'csv') process.stdout.write(toCsv(EXPORT_COLUMNS, [row], false));
        else {
          process.stdout.write((first ? '\n' : ',\n') + JSON.stringify(row));
          first = false;
        }
      }
      if (page.rows.length < pageSize) break;
    }
    if (values.format === 'json') process.stdout.write(first ? ']\n' : '\n]\n');
    return 0;
  } finally {
    await target.close();
  }
}
