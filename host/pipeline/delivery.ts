/**
 * Decouples the transport callback from consumers: items are queued (O(1)) in the callback and
 * delivered to subscribers later, in order, a batch per macrotask, so a slow consumer never blocks
 * the link. The queue is bounded: when more than `capacity` samples wait, the oldest samples are
 * dropped and a `consumer-overflow` event with the exact count is delivered in their place. Events
 * are never dropped. Until the first subscription to either stream, items wait in the queue (same
 * bound), so a caller may do other async work between openBoard() and subscribing without missing
 * the first samples. (The recorder does not go through here: it writes in the callback itself.)
 */
import { map, Observable, Subject } from 'rxjs';
import { blockOfSample, forceSampleAt, type ForceBlock } from './block.ts';
import type { ForceSample, PipelineEvent } from './types.ts';

/** Samples that may wait for a slow consumer: 30 s at 80 Hz. */
export const DEFAULT_DELIVERY_CAPACITY = 2400;
/** Items delivered per macrotask before yielding to I/O. */
const BATCH = 256;

type Item = { s: ForceSample } | { e: PipelineEvent };

export class BoundedDelivery {
  private readonly queue: Array<Item | undefined> = [];
  private head = 0;
  private queuedSamples = 0;
  private scheduled = false;
  private pendingDrop = 0;
  private closed = false;
  /** Samples dropped because consumers fell behind (total). */
  dropped = 0;
  private readonly samplesSubject = new Subject<ForceSample>();
  private readonly eventsSubject = new Subject<PipelineEvent>();
  /** Nothing is delivered before the first subscriber: what arrives earlier waits (bounded). */
  private started = false;
  readonly samples$: Observable<ForceSample> = this.lazy(this.samplesSubject);
  readonly events$: Observable<PipelineEvent> = this.lazy(this.eventsSubject);
  /** Live samples arrive one frame at a time: each is also a one-row block. */
  readonly blocks$: Observable<ForceBlock> = this.samples$.pipe(map(blockOfSample));

  constructor(private readonly capacity = DEFAULT_DELIVERY_CAPACITY) {}

  private lazy<T>(subject: Subject<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      const sub = subject.subscribe(subscriber);
      if (!this.started) {
        this.started = true;
        if (this.head < this.queue.length) this.schedule();
      }
      return sub;
    });
  }

  pushSample(s: ForceSample): void {
    if (this.closed) return;
    this.queue.push({ s });
    this.queuedSamples++;
    if (this.queuedSamples > this.capacity) this.dropOldestSample();
    this.schedule();
  }

  pushBlock(b: ForceBlock): void {
    for (let k = 0; k < b.count; k++) this.pushSample(forceSampleAt(b, k));
  }

  pushEvent(e: PipelineEvent): void {
    if (this.closed) return;
    this.queue.push({ e });
    this.schedule();
  }

  /** Delivers what is queued, then completes both subjects. */
  close(): void {
    if (this.closed) return;
    this.drain(Infinity);
    if (this.pendingDrop > 0) this.eventsSubject.next({ type: 'consumer-overflow', dropped: this.pendingDrop });
    this.pendingDrop = 0;
    this.closed = true;
    this.samplesSubject.complete();
    this.eventsSubject.complete();
  }

  private dropOldestSample(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const it = this.queue[i];
      if (it && 's' in it) {
        this.queue[i] = undefined;
        this.queuedSamples--;
        this.pendingDrop++;
        this.dropped++;
        return;
      }
    }
  }

  private schedule(): void {
    if (this.scheduled || !this.started) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain(BATCH);
      if (this.head < this.queue.length) this.schedule();
    });
  }

  private drain(max: number): void {
    let n = 0;
    while (this.head < this.queue.length && n < max) {
      const it = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (!it) continue;
      n++;
      if ('s' in it) {
        this.queuedSamples--;
        if (this.pendingDrop > 0) {
          const dropped = this.pendingDrop;
          this.pendingDrop = 0;
          this.eventsSubject.next({ type: 'consumer-overflow', dropped });
        }
        this.samplesSubject.next(it.s);
      } else {
        this.eventsSubject.next(it.e);
      }
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
