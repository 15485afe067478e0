/** Runs the tripod CLI in-process and captures stdout/stderr. */
import { Writable } from 'node:stream';
import { main } from '../../../host/cli/main.ts';
import type { TransportFactory } from '../../../host/transport/open.ts';

/**
 * `transports`: the radio the CLI uses (e.g. a TransportFactory over a FakeRadio); the platform's when
 * absent. `watch.onErr` sees stderr as it is written (for a command that runs until stopped).
 */
export async function runCli(args: string[], transports?: TransportFactory, watch: { onErr?: (text: string) => void } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const e = new Writable({ write(c, _e, cb) { err += String(c); watch.onErr?.(String(c)); cb(); } });
  const code = await main(args, o, e, transports);
  return { code, out, err };
}
