/**
 * A session as an async iterator, for scripts that prefer `for await` to Observables: every
 * calibrated sample and every stream event (gaps with their exact count, duplicates, link loss,
 * consumer overflow, ...) in the order the session delivered them, ending when the stream ends.
 *
 *   for await (const item of sessionItems(session)) {
 *     if (item.kind === 'sample') use(item.sample);
 *     else if (item.event.type === 'gap') console.log(`${item.event.count} samples lost`);
 *   }
 *
 * Items wait in memory until the loop takes them; a loop slower than the board for a long time
 * grows that queue (live sessions also bound what waits upstream: see deliveryCapacity). Breaking
 * out of the loop unsubscribes; it does not close the session.
 */
import type { ForceSample, PipelineEvent } from './pipeline/types.ts';
import type { BoardSession } from './session.ts';

export type SessionItem = { kind: 'sample'; sample: ForceSample } | { kind: 'event'; event: PipelineEvent };

export function sessionItems(session: Pick<BoardSession, 'samples$' | 'events$'>): AsyncIterableIterator<SessionItem> {
  const queue: SessionItem[] = [];
  let head = 0;
  let ended = 0; // streams completed (2: both)
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const done = (): void => {
    ended++;
    notify();
  };
  const fail = (e: unknown): void => {
    failure = e;
    ended = 2;
    notify();
  };
  const subs = [
    session.samples$.subscribe({ next: (sample) => (queue.push({ kind: 'sample', sample }), notify()), complete: done, error: fail }),
    session.events$.subscribe({ next: (event) => (queue.push({ kind: 'event', event }), notify()), complete: done, error: fail }),
  ];
  const stop = (): void => {
    for (const s of subs) s.unsubscribe();
  };
  const iterator: AsyncIterableIterator<SessionItem> = {
    async next(): Promise<IteratorResult<SessionItem>> {
      for (;;) {
        if (head < queue.length) {
          const item = queue[head++]!;
          if (head > 4096 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return { value: item, done: false };
        }
        if (failure !== null) {
          stop();
          throw failure;
        }
        if (ended >= 2) {
          stop();
          return { value: undefined, done: true };
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
    async return(): Promise<IteratorResult<SessionItem>> {
      stop();
      queue.length = 0;
      head = 0;
      ended = 2;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
