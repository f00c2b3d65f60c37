/**
 * Counts the work a door has taken and not finished, for a graceful stop: once `drain()` is called
 * the door refuses new work (it checks `draining`) and the returned promise resolves when what is
 * in flight is done, or with false after the timeout.
 */
export class WorkInFlight {
  private count = 0;
  private waiters: Array<() => void> = [];
  draining = false;

  /** Runs `work`, counted as in flight until it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
