import { complianceCsv, parseCountryList } from '../../insight/compliance-report';
import { renderComplianceHtml } from '../../insight/report-html';
import { formatBytes, formatMoney } from '../../shared/format';
import { parse, parseTime, UsageError } from '../args';
import { printJson, printTable } from '../output';
import { defaultDbPath } from '../paths';
import { openTarget } from '../target';
import type { CliContext } from './index';

// `outflow cost` and `outflow report`: answers computed from history, through the same contract
// methods the UI uses (cost.summary, report.compliance).

function range(values: { since?: string; until?: string }, now: number): { since: number; until: number } {
  const since = parseTime(values.since ?? '30d', '--since', now);
  const until = values.until ? parseTime(values.until, '--until', now) : now + 60_000;
  if (until <= since) throw new UsageError('--until must be after --since');
  return { since, until };
}

export async function cost(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' }, since: { type: 'string' }, until: { type: 'string' } });
  const now = Date.now();
  const r = range(values, now);
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const summary = await target.call('cost.summary', r);
    if (values.json) {
      printJson(summary);
      return 0;
    }
    const money = (n: number): string => formatMoney(n, summary.currency);
    process.stdout.write(
      `Internet egress ${formatBytes(summary.total.bytes)} = ${money(summary.total.cost)} at ${summary.perGb} ${summary.currency}/GB` +
        ` (${formatBytes(summary.zeroRatedBytes)} local traffic not billed)\n` +
        `This month so far ${money(summary.month.cost)}; projected ${money(summary.month.projectedCost)} (linear)\n\n`,
    );
    printTable(['APP', 'SENT', 'COST', 'PATH'], summary.byApp.map((a) => [a.name, formatBytes(a.bytes), money(a.cost), a.path ?? '(no process found)']));
    process.stdout.write('\n');
    printTable(
      ['DESTINATION', 'OWNER', 'CC', 'SENT', 'COST'],
      summary.byDestination.slice(0, 20).map((d) => [d.destination, d.org ?? '', d.country ?? '', formatBytes(d.bytes), money(d.cost)]),
    );
    return 0;
  } finally {
    await target.close();
  }
}

export async function report(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, {
    db: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    format: { type: 'string' },
    outside: { type: 'string' },
    lan: { type: 'boolean' },
  });
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'html' && format !== 'json') throw new UsageError('--format: csv, html or json');
  let outside: string[] | undefined;
  if (values.outside !== undefined) {
    try {
      outside = parseCountryList(values.outside);
    } catch (err) {
      throw new UsageError(`--outside: ${(err as Error).message}`);
    }
  }
  const now = Date.now();
  const r = range(values, now);
  const target = await openTarget({ dbPath: values.db ?? defaultDbPath(), mutate: false, version: ctx.version });
  try {
    const rep = await target.call('report.compliance', { ...r, ...(outside ? { outside } : {}), includeLan: values.lan === true });
    if (format === 'json') printJson(rep);
    else process.stdout.write(format === 'html' ? renderComplianceHtml(rep) : complianceCsv(rep));
    return 0;
  } finally {
    await target.close();
  }
}
