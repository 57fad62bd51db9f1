import type { AppSummary } from '../../../../electron/shared/types';

/** Synthetic per-user rows hold traffic no process was found for; say so rather than pass them off as apps. */
export function summaryLabel(a: AppSummary): string {
  if (a.attributed) return a.name;
  return /^unattributed\b/i.test(a.name) ? a.name : `Unattributed (${a.name})`;
}
