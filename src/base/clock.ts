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
export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    return { cancel: () => clearInterval(h) };
  },
};
