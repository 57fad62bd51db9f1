const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Human duration with the two most significant units: "45 s", "3 min 5 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const total = Math.max(0, ms);
  if (total < MINUTE) return `${Math.floor(total / SECOND)} s`;
  if (total < HOUR) {
    const m = Math.floor(total / MINUTE);
    const s = Math.floor((total % MINUTE) / SECOND);
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  if (total < DAY) {
    const h = Math.floor(total / HOUR);
    const m = Math.floor((total % HOUR) / MINUTE);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(total / DAY);
  const h = Math.floor((total % DAY) / HOUR);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** Compact age of a connection for dense tables: "12s", "3m", "2h 5m", "3d". */
export function formatAge(since: number, now: number): string {
  const ms = Math.max(0, now - since);
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MINUTE);
    return m ? `${h}h ${m}m` : `${h}h`;
  }
  return `${Math.floor(ms / DAY)}d`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Time left until `deadline`, ticking: "0:42", "9:59", "1:02:03", then "2 d 3 h" beyond a day.
 * `null` deadline → "no limit"; reached → "expired".
 */
export function formatCountdown(deadline: number | null, now: number): string {
  if (deadline === null) return 'no limit';
  const left = deadline - now;
  if (left <= 0) return 'expired';
  // Round up so "0:00" is never shown while the rule is still active.
  const secs = Math.ceil(left / SECOND);
  if (secs < 24 * 3600) {
    const h = Math.floor(secs / 3600);
    const m = Math.floor((secs % 3600) / 60);
    const s = secs % 60;
    return h ? `${h}:${pad2(m)}:${pad2(s)}` : `${m}:${pad2(s)}`;
  }
  return formatDuration(left);
}
