/**
 * Reconnecting after a lost link, shared by the BLE, serial and simulated transports: wait, try,
 * double the wait (up to a ceiling) after each failure, until it works, the caller closes, or the
 * attempts run out.
 */
import type { BehaviorSubject, Subject } from 'rxjs';
import { nowMs, type ConnectionState, type LinkEvent } from './transport.ts';

export interface BackoffOptions {
  /** Tries before giving up (0: none). */
  attempts: number;
  /** Wait before the first try, ms; doubles after each failure. */
  initialMs: number;
  /** Ceiling of the wait, ms. */
  maxMs: number;
  /** True once the transport is being closed: stop without trying again. */
  stopped(): boolean;
  /** One try; throws when it failed. */
  attempt(): Promise<void>;
  /** Clean-up after a failed try (e.g. drop a half-open connection). */
  onFailure?(): Promise<void>;
}

export type BackoffOutcome = { outcome: 'ok'; attempt: number } | { outcome: 'stopped' } | { outcome: 'gave-up'; attempts: number };

export async function retryWithBackoff(o: BackoffOptions): Promise<BackoffOutcome> {
  let delay = o.initialMs;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (o.stopped()) return { outcome: 'stopped' };
    await new Promise((r) => setTimeout(r, delay));
    if (o.stopped()) return { outcome: 'stopped' };
    try {
      await o.attempt();
      return { outcome: 'ok', attempt };
    } catch {
      if (o.onFailure) await o.onFailure();
      delay = Math.min(delay * 2, o.maxMs);
    }
  }
  return o.stopped() ? { outcome: 'stopped' } : { outcome: 'gave-up', attempts: o.attempts };
}

/**
 * A transport's reconnect after a lost link: retries with backoff; when a try works the transport
 * is 'connected' again and says 'link-restored' (with the attempt); when the attempts run out,
 * `gaveUp` reports why and closes the transport its own way; when the transport is being closed,
 * nothing.
 */
export async function reconnectLink(
  t: { state$: BehaviorSubject<ConnectionState>; link$: Subject<LinkEvent> },
  o: BackoffOptions,
  gaveUp: () => void,
): Promise<void> {
  const r = await retryWithBackoff(o);
  if (r.outcome === 'ok') {
    t.state$.next('connected');
    t.link$.next({ type: 'link-restored', hostTimeMs: nowMs(), attempt: r.attempt });
  } else if (r.outcome === 'gave-up') {
    gaveUp();
  }
}
