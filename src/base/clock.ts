/**
 * Time, injected. Core code never calls Date.now or setTimeout: it asks a Clock, so the
 * simulator can run the same code on virtual time (see src/sim/clock.ts).
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on this clock (monotonic for the real clock, virtual in simulation). */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps shown to users. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

/** The real clock: performance.now() for intervals, Date.now() for timestamps. */
/** Node's timers overflow past 2^31 - 1 ms (about 24.8 days) and fire at once instead. */
const MAX_TIMER_MS = 2_147_483_647;

export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    // Long waits (certificate renewal at 45-72 days) are chained below the limit.
    let h: ReturnType<typeof setTimeout>;
    const due = Date.now() + ms;
    const arm = (left: number): void => {
      h = setTimeout(
        () => {
          const rest = due - Date.now();
          if (rest > 0 && left > MAX_TIMER_MS) arm(rest);
          else fn();
        },
        Math.min(Math.max(left, 0), MAX_TIMER_MS),
      );
    };
    arm(ms);
    return { cancel: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    return { cancel: () => clearInterval(h) };
  },
};
