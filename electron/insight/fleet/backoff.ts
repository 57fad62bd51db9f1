// Exponential back-off with jitter between delivery attempts (the OTLP specification asks for jitter
// so that many clients coming back together do not hit the receiver in lockstep).

export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.min(30, Math.max(0, failures - 1));
  const capped = Math.min(maxMs, exp);
  // ±20 %, never above the cap.
  return Math.min(maxMs, Math.round(capped * (0.8 + 0.4 * random())));
}
