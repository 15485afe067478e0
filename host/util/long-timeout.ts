/**
 * setTimeout with any delay. Node's timers hold a signed 32-bit ms count: a delay above
 * 2^31 - 1 ms (24.8 days) fires after 1 ms with a warning, so `--duration 3000000` would end at
 * once. This chains timers of at most MAX_TIMER_MS until the whole delay has passed (wall clock).
 */

/** The longest delay one Node timer keeps, ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/** Calls `fn` once after `ms` (finite, >= 0) of wall-clock time. */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`setLongTimeout: delay must be a finite number of ms >= 0, got ${ms}`);
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = due - Date.now();
    if (left <= 0) {
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  timer = setTimeout(arm, Math.min(ms, MAX_TIMER_MS));
  return { clear: () => clearTimeout(timer) };
}
