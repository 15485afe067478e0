/**
 * `startLive`: the live hub on a board source, with the web page (default) and/or the terminal
 * status line. Used by `tripod live` and by the browser tests, so both run the same code.
 */
import type { LiveAnalysis } from './analysis.ts';
import { LiveHub, type LiveHubOptions, type LiveSource } from './hub.ts';
import { startLiveServer, type LiveServer, type LiveServerOptions } from './server.ts';
import { startTerminalView, type TerminalView } from './terminal-view.ts';
import { ClinicLink } from '../clinic/live-link.ts';
import { handleClinicApi } from '../clinic/api.ts';
import type { BoardInfo, ClinicStore } from '../clinic/types.ts';

/** Where finished trials are stored (host/clinic), and what to store with them. */
export interface LiveClinicOptions {
  store: ClinicStore;
  board: BoardInfo;
  calibration(): unknown;
  /** Patient code the trials are for until the page chooses another. */
  patient?: string | null;
}

export interface LiveOptions extends LiveHubOptions {
  /** Serve the page (default true). */
  web?: boolean;
  server?: LiveServerOptions;
  /** Where the terminal status line goes; none when absent. */
  terminal?: NodeJS.WritableStream;
  clinic?: LiveClinicOptions;
}

export interface Live {
  hub: LiveHub;
  server: LiveServer | null;
  clinic: ClinicLink | null;
  close(): Promise<void>;
}

export async function startLive(source: LiveSource, analysis: LiveAnalysis, opts: LiveOptions = {}): Promise<Live> {
  const hub = new LiveHub(source, analysis, opts);
  let clinic: ClinicLink | null = null;
  let server: LiveServer | null = null;
  try {
    if (opts.clinic) {
      const c = opts.clinic;
      clinic = await ClinicLink.start({
        store: c.store,
        hub,
        samples$: source.samples$,
        board: c.board,
        calibration: c.calibration,
        recording: source.recording ?? null,
        geometry: (foot) => analysis.geometry({ ...hub.snapshot().trial.setup, foot }),
        patient: c.patient ?? null,
      });
    }
    hub.start();
    const link = clinic;
    if (opts.web !== false) server = await startLiveServer(hub, { ...opts.server, ...(link ? { api: (req, res) => handleClinicApi(link, req, res) } : {}) });
  } catch (e) {
    hub.stop();
    clinic?.stop();
    throw e;
  }
  const terminal: TerminalView | null = opts.terminal ? startTerminalView(() => hub.snapshot(), opts.terminal) : null;
  return {
    hub,
    server,
    clinic,
    close: async () => {
      terminal?.stop();
      await server?.close();
      hub.stop();
      clinic?.stop();
      await clinic?.flushed();
    },
  };
}

export type { LiveSource } from './hub.ts';
export { scoringAnalysis } from './scoring-analysis.ts';
