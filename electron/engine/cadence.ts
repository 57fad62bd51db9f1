/**
 * Adaptive poll interval: the busy interval while bytes move or flows open and close, stepping
 * towards the idle interval after a few quiet ticks, and straight back on activity.
 */
export class Cadence {
  private quietTicks = 0;

  constructor(
    private busyMs: number,
    private idleMs: number,
    private readonly quietBeforeIdle = 5,
  ) {}

  configure(busyMs: number, idleMs: number): void {
    this.busyMs = busyMs;
    this.idleMs = Math.max(busyMs, idleMs);
  }

  /** Interval to wait before the next tick, given whether this tick saw activity. */
  next(active: boolean): number {
    if (active) this.quietTicks = 0;
    else this.quietTicks++;
    if (this.quietTicks < this.quietBeforeIdle) return this.busyMs;
    const steps = this.quietTicks - this.quietBeforeIdle + 1;
    return Math.min(this.idleMs, this.busyMs * 2 ** steps);
  }

  current(): number {
    return this.quietTicks < this.quietBeforeIdle ? this.busyMs : this.idleMs;
  }
}
