import type { Clock } from '../ports';

// Temporary rules and clocks.
//
// A rule's deadline is stored as wall-clock ms (`expires_at`), the only clock that survives a restart
// or reboot. While the engine runs, the deadline that counts is a monotonic one, anchored once:
// `mono = monotonic() + (expiresAt - now())`. So while Outflow runs, a rule lasts exactly as long as
// asked, whatever the wall clock does (NTP step, manual change, suspend-resume skew): a jump neither
// extends nor shortens it. On each reconcile both clocks are compared; when their offset has moved by
// more than JUMP_TOLERANCE_MS the wall clock jumped, and every stored deadline is re-anchored to
// `now() + remaining`, so a restart after the jump still honours the same remaining time.
// Only a jump while Outflow is not running can move a deadline, and then by at most the jump; a
// backwards jump can never extend a rule beyond its original length (remaining ≤ expiresAt - createdAt).
// The kernel copy (nft element timeouts) runs on the kernel's monotonic clock and lifts the rule on
// time even if Outflow is not running.

export const JUMP_TOLERANCE_MS = 2000;

/** Monotonic deadline for a stored wall-clock deadline, or null when it has already passed. */
export function anchorDeadline(expiresAt: number, createdAt: number, clock: Clock): number | null {
  const now = clock.now();
  const remaining = Math.min(expiresAt - now, Math.max(0, expiresAt - createdAt));
  if (!(remaining > 0)) return null;
  return clock.monotonic() + remaining;
}

/** The wall-clock time at which a monotonic deadline falls, by today's offset. */
export function wallFromMono(monoDeadline: number, clock: Clock): number {
  return Math.round(clock.now() + (monoDeadline - clock.monotonic()));
}

/** wall - monotonic; compare two readings to detect a wall-clock jump. */
export function clockOffset(clock: Clock): number {
  return clock.now() - clock.monotonic();
}

export function jumped(previousOffset: number, currentOffset: number): number {
  const delta = currentOffset - previousOffset;
  return Math.abs(delta) > JUMP_TOLERANCE_MS ? delta : 0;
}
