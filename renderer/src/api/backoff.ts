export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential from 0.5 s, capped at 15 s, with
 * ±20% jitter so many tabs do not hammer a restarting engine in lockstep.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jitter = 0.8 + 0.4 * random();
  return Math.round(Math.min(BACKOFF_MAX_MS, exp * jitter));
}
