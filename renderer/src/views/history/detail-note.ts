/**
 * The History view's one-line note when the query reaches before the oldest individual connection
 * held: the rows stop there, and without it a short or empty list would read as "no traffic".
 * `keptDays` is the retention setting; while settings are not loaded, the date is named instead.
 */
export function detailNote(since: number | undefined, detailFrom: number | null, keptDays: number | undefined): string | null {
  if (detailFrom === null || (since ?? 0) >= detailFrom) return null;
  const kept = keptDays === undefined ? `from ${new Date(detailFrom).toLocaleDateString()} on` : `${keptDays} ${keptDays === 1 ? 'day' : 'days'}`;
  return `Individual connections are kept ${kept}; older traffic appears in the totals by app and destination.`;
}
