// Local time for people; ISO (UTC) only in exports.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function sameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:03:22" today, "26 Nov, 14:03" on other days (local time). */
export function formatTime(ms: number | null, now: number = Date.now()): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return sameLocalDay(d, new Date(now)) ? timeFmt.format(d) : dateTimeFmt.format(d);
}

/** Full local timestamp for tooltips and detail panes. */
export function formatDateTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return fullFmt.format(new Date(ms));
}

/** "2026-11-26T14:03" in local time, the value format of <input type="datetime-local">. */
export function toLocalInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Parse a datetime-local value as local time; null when empty or invalid. */
export function fromLocalInputValue(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/** "just now", "5 min ago", "3 h ago", then the date: for "last seen" columns. */
export function formatAgo(ms: number | null, now: number = Date.now()): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const d = now - ms;
  if (d < 60_000) return 'just now';
  if (d < 3600_000) return `${Math.floor(d / 60_000)} min ago`;
  if (d < 24 * 3600_000) return `${Math.floor(d / 3600_000)} h ago`;
  return dateFmt.format(new Date(ms));
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "26 Nov 2026, 14:03": a date with time, without seconds, for facts and cards. */
export function formatDay(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return dayFmt.format(new Date(ms));
}
