/**
 * Adapts a board session (host/session.ts) to what the live hub reads: its samples and events, its
 * connection state in the page's words, its battery (from GET_INFO at connect and every
 * BATTERY_POLL_S while connected) and its tare command.
 */
import { BehaviorSubject, map, Observable } from 'rxjs';
import { BATTERY_MV_UNKNOWN, BATTERY_PERCENT_UNKNOWN, type DeviceInfo } from '../../protocol/index.ts';
import type { BoardSession } from '../session.ts';
import type { ConnectionState } from '../transport/transport.ts';
import type { LiveSource } from './hub.ts';
import type { ConnectionPhase } from './messages.ts';

/** How often the battery is asked for while connected, s. */
export const BATTERY_POLL_S = 60;

const PHASE: Record<ConnectionState, ConnectionPhase> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  closed: 'closed',
};

export interface SessionLiveSource extends LiveSource {
  /** Stops the battery poll. */
  stop(): void;
}

function batteryOf(info: unknown): number | null {
  const pct = (info as Partial<DeviceInfo> | null)?.batteryPercent;
  return typeof pct === 'number' && pct !== BATTERY_PERCENT_UNKNOWN && pct >= 0 && pct <= 100 ? pct : null;
}

/** A short label for the status bar, from the transport's description. */
/** Battery voltage in mV from GET_INFO (filled from NRF.getBattery() volts), null when unknown. */
function batteryMvOf(info: unknown): number | null {
  const mv = (info as Partial<DeviceInfo> | null)?.batteryMv;
  return typeof mv === 'number' && mv !== BATTERY_MV_UNKNOWN && mv > 0 ? mv : null;
}

export function sourceLabel(session: BoardSession): string {
  const d = session.transport.description;
  return session.transport.kind === 'sim' ? 'simulated board' : d.length > 40 ? `${d.slice(0, 39)}…` : d;
}

export function sessionSource(session: BoardSession): SessionLiveSource {
  const battery$ = new BehaviorSubject<number | null>(batteryOf(session.info));
  const batteryMv$ = new BehaviorSubject<number | null>(batteryMvOf(session.info));
  const info = session.info as Partial<DeviceInfo> | null;
  const poll = setInterval(() => {
    if (!session.commands || session.state$.value !== 'connected') return;
    session.commands.getInfo().then(
      (i) => {
        battery$.next(batteryOf(i));
        batteryMv$.next(batteryMvOf(i));
      },
      () => {}, // a missed poll changes nothing; the link state shows elsewhere
    );
  }, BATTERY_POLL_S * 1000);
  poll.unref();
  const connection$: Observable<ConnectionPhase> = session.state$.pipe(map((s) => PHASE[s]));
  return {
    label: sourceLabel(session),
    layout: session.calibration.layout,
    nominalRateHz: typeof info?.sampleRateHz === 'number' && info.sampleRateHz > 0 ? info.sampleRateHz : 80,
    samples$: session.samples$,
    events$: session.events$,
    connection$,
    battery$,
    batteryMv$,
    recording: session.recording?.path ?? null,
    recordingError$: new Observable<string>((sub) => {
      session.recording?.onError((text) => sub.next(text));
    }),
    tare: async () => {
      await session.tare();
    },
    stop: () => clearInterval(poll),
  };
}
