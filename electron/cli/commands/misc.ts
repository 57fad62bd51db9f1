import { parse, parseTime } from '../args';
import { formatTime, printJson, printTable } from '../output';
import { defaultDbPath } from '../paths';
import { openTarget } from '../target';
import type { CliContext } from './index';

export async function doctor(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } });
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version, allowMissing: true });
  try {
    const checks = await target.call('doctor.run', {});
    if (values.json) printJson(checks);
    else for (const c of checks) process.stdout.write(`${c.ok ? 'ok     ' : 'missing'}  ${c.name}: ${c.detail}${c.fix ? `\n         fix: ${c.fix}` : ''}\n`);
    return 0;
  } finally {
    await target.close();
  }
}

export async function alerts(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' }, since: { type: 'string' }, unseen: { type: 'boolean' } });
  const since = values.since ? parseTime(values.since, '--since', Date.now()) : undefined;
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const list = await target.call('alerts.list', { since, unseenOnly: values.unseen === true });
    if (values.json) printJson(list);
    else printTable(['WHEN', 'KIND', 'COUNT', 'TITLE'], list.map((a) => [formatTime(a.at), a.kind, a.count, a.title]));
    return 0;
  } finally {
    await target.close();
  }
}
