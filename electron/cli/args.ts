import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: printed as one line, exit code 2, nothing written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, positionals = 0) {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: positionals > 0, strict: true });
    if (r.positionals.length > positionals) throw new UsageError(`unexpected argument ${JSON.stringify(r.positionals[positionals])}`);
    return r;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "10m", "1h", "30d", "2w" → milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: expected a duration like 10m, 1h, 30d (got ${JSON.stringify(text)})`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A relative duration ("1h" = one hour ago) or an ISO 8601 date-time. */
export function parseTime(text: string, what: string, now: number): number {
  if (/^\d{1,6}[smhdw]$/.test(text.trim())) return now - parseDuration(text, what);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    throw new UsageError(`${what}: expected a duration like 1h or a date like 2026-11-01T12:00 (got ${JSON.stringify(text)})`);
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`${what}: not a valid date ${JSON.stringify(text)}`);
  return t;
}

export function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 0 || Number(text) > 65535) throw new UsageError(`${what}: expected a port number 0-65535`);
  return Number(text);
}
