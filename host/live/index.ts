/**
 * `startLive`: the live hub on a board source, with the web page (default) and/or the terminal
 * status line. Used by `tripod live` and by the browser tests, so both run the same code.
 */
import type { LiveAnalysis } from './analysis.ts';
import { LiveHub, type LiveHubOptions, type LiveSource } from './hub.ts';
import { startLiveServer, type LiveServer, type LiveServerOptions } from './server.ts';
import { startTerminalView, type TerminalView } from './terminal-view.ts';

export interface LiveOptions extends LiveHubOptions {
  /** Serve the page (default true). */
  web?: boolean;
  server?: LiveServerOptions;
  /** Where the terminal status line goes; none when absent. */
  terminal?: NodeJS.WritableStream;
}

export interface Live {
  hub: LiveHub;
  server: LiveServer | null;
  close(): Promise<void>;
}

export async function startLive(source: LiveSource, analysis: LiveAnalysis, opts: LiveOptions = {}): Promise<Live> {
  const hub = new LiveHub(source, analysis, opts);
  hub.start();
  let server: LiveServer | null = null;
  try {
    if (opts.web !== false) server = await startLiveServer(hub, opts.server);
  } catch (e) {
    hub.stop();
    throw e;
  }
  const terminal: TerminalView | null = opts.terminal ? startTerminalView(() => hub.snapshot(), opts.terminal) : null;
  return {
    hub,
    server,
    close: async () => {
      terminal?.stop();
      await server?.close();
      hub.stop();
    },
  };
}

export type { LiveSource } from './hub.ts';
export { scoringAnalysis } from './scoring-analysis.ts';
