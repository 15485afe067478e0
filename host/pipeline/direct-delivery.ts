/**
 * The two ways a session hands samples to its subscribers, behind one interface: BoundedDelivery
 * (live sources: queued, the transport never waits, overflow reported) and DirectDelivery (a replay:
 * synchronous, nothing dropped, the replay is paced instead).
 */
import { Subject, type Observable } from 'rxjs';
import type { ForceSample, PipelineEvent } from './types.ts';

export interface SampleDelivery {
  readonly samples$: Observable<ForceSample>;
  readonly events$: Observable<PipelineEvent>;
  /** Samples a slow consumer missed (always 0 for direct delivery). */
  readonly dropped: number;
  pushSample(s: ForceSample): void;
  pushEvent(e: PipelineEvent): void;
  /** Delivers what is pending, then completes both streams; later pushes are ignored. */
  close(): void;
}

export class DirectDelivery implements SampleDelivery {
  private readonly samplesSubject = new Subject<ForceSample>();
  private readonly eventsSubject = new Subject<PipelineEvent>();
  readonly samples$: Observable<ForceSample> = this.samplesSubject;
  readonly events$: Observable<PipelineEvent> = this.eventsSubject;
  readonly dropped = 0;

  pushSample(s: ForceSample): void {
    this.samplesSubject.next(s);
  }

  pushEvent(e: PipelineEvent): void {
    this.eventsSubject.next(e);
  }

  close(): void {
    this.samplesSubject.complete();
    this.eventsSubject.complete();
  }
}
