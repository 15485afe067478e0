/**
 * The two ways a session hands samples to its subscribers, behind one interface: BoundedDelivery
 * (live sources: queued, the transport never waits, overflow reported) and DirectDelivery (a replay:
 * synchronous, nothing dropped, the replay is paced instead).
 */
import { Subject, type Observable } from 'rxjs';
import { forceSampleAt, type ForceBlock } from './block.ts';
import type { ForceSample, PipelineEvent } from './types.ts';

export interface SampleDelivery {
  readonly samples$: Observable<ForceSample>;
  /** The same samples in blocks of typed arrays (block.ts). */
  readonly blocks$: Observable<ForceBlock>;
  readonly events$: Observable<PipelineEvent>;
  /** Samples a slow consumer missed (always 0 for direct delivery). */
  readonly dropped: number;
  pushSample(s: ForceSample): void;
  pushBlock(b: ForceBlock): void;
  pushEvent(e: PipelineEvent): void;
  /** Delivers what is pending, then completes both streams; later pushes are ignored. */
  close(): void;
}

/**
 * Synchronous delivery (replays). Blocks go to blocks$ as they are; samples$ gets one ForceSample
 * per row, made only while someone subscribes to it (a replay read in blocks allocates nothing per
 * sample).
 */
export class DirectDelivery implements SampleDelivery {
  private readonly samplesSubject = new Subject<ForceSample>();
  private readonly blocksSubject = new Subject<ForceBlock>();
  private readonly eventsSubject = new Subject<PipelineEvent>();
  readonly samples$: Observable<ForceSample> = this.samplesSubject;
  readonly blocks$: Observable<ForceBlock> = this.blocksSubject;
  readonly events$: Observable<PipelineEvent> = this.eventsSubject;
  readonly dropped = 0;

  pushSample(s: ForceSample): void {
    this.samplesSubject.next(s);
  }

  pushBlock(b: ForceBlock): void {
    if (this.blocksSubject.observed) this.blocksSubject.next(b);
    if (!this.samplesSubject.observed) return;
    for (let k = 0; k < b.count; k++) this.samplesSubject.next(forceSampleAt(b, k));
  }

  pushEvent(e: PipelineEvent): void {
    this.eventsSubject.next(e);
  }

  close(): void {
    this.samplesSubject.complete();
    this.blocksSubject.complete();
    this.eventsSubject.complete();
  }
}
