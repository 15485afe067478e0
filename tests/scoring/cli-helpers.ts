import { Writable } from 'node:stream';
import { main } from '../../host/cli/main.ts';

/** Runs the CLI in-process; returns exit code and captured output. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = new Writable({ write(chunk, _e, cb) { out += String(chunk); cb(); } });
  const e = new Writable({ write(chunk, _e, cb) { err += String(chunk); cb(); } });
  const code = await main(argv, o, e);
  return { code, out, err };
}
