/**
 * `tripod live`: the board live, on a web page (default) and as a terminal status line.
 * The page is served at http://127.0.0.1:PORT (printed, opened in the default browser unless
 * --no-open); --no-web keeps to the terminal. Trials run on the host: the page only sends commands.
 */
import { boardErrorLine } from '../board-session.ts';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { which } from '../../doctor/which.ts';
import { optionTable, type CliCommand, type CommandContext } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { parsePositive, parseSourceFlags, SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';
import { oneOf, parseStanceFlags } from '../stance-flags.ts';
import { DEFAULT_FOOT_LENGTH_MM } from '../../scoring/stance.ts';
import { DURATION_RANGE_S, type Eyes, type Surface } from '../../live/messages.ts';
import { LOOPBACK_HOSTS, tokenProblem } from '../../live/auth.ts';
import { networkInterfaces } from 'node:os';
import { parseDecimal } from '../../util/strict-number.ts';
import { checkWritable } from '../../util/atomic-write.ts';

export const DEFAULT_PORT = 7480;

const HELP = `Usage: tripod live [source flags] [flags]

Shows the board live: a web page with the cell forces, the CoP over the foot and its tripod, the
live score and cue, trial controls and results (default), and a status line in the terminal.
Trials run on this host; the page sends the commands. Ctrl-C stops.

${SOURCE_HELP}

Page:
  --port N              TCP port of the page (default ${DEFAULT_PORT}; a free one if that is taken)
  --host ADDR           interface to serve on (default 127.0.0.1: this machine only). On any other
                        address (0.0.0.0: all) the page, results and WebSocket need a per-run token:
                        open the URL printed (it carries ?token=...); the Host header must name this
                        machine (its host name or one of its addresses)
  --token TOKEN         the token instead of a random one (16+ letters, digits, - _ . ~)
  --no-open             do not open the page in the default browser
  --no-web              no page: the terminal status line only
  --window S            width of the live charts, s (default 10)

Trial (the page can change these):
  --foot left|right     stance foot (default left)
  --eyes open|closed    (default open)
  --duration S          trial duration, s (default 20)
  --surface firm|foam   standing surface: the plate, or a foam pad on it (default firm)

Clinic store (every finished trial is stored for the chosen patient the moment it ends):
  --patient CODE        store the trials for this patient (the page can choose or add one)
  --store DIR           embedded store directory (default $TRIPOD_STORE or
                        ~/.local/share/tripod/clinic; the first run creates it, ~10 s)
  --database URL        a PostgreSQL server instead (default $TRIPOD_DATABASE_URL), e.g.
                        postgresql://tripod@records.local/tripod
  --no-store            keep results in memory only (downloads still work)

Scoring:
  --foot-length MM      heel to longest toe (default 260)
  --target NAME         clinical (equal thirds, default) or physiological
  --body-weight N       entered body weight, N (default: measured from a 3 s quiet stand)
  --layout FILE         board layout JSON (cells, plate, foot marks)

Recording:
  --record FILE         record every received frame to FILE (lossless, whatever the page does)

Examples:
  tripod live                      the simulated board, page opened in the browser
  tripod live --ble Tripod-1A2B --foot right --duration 30
  tripod live --serial /dev/ttyACM0 --no-web`;

/** This machine's external addresses (IPv4, and IPv6 when serving on ::), for the URLs to share. */
function lanAddresses(ipv6: boolean): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && (a.family === 'IPv4' || (ipv6 && !a.address.startsWith('fe80')))) out.push(a.address);
  }
  return out;
}

function openInBrowser(url: string, err: NodeJS.WritableStream): void {
  const opener = process.platform === 'darwin' ? which('open') : process.platform === 'win32' ? null : which('xdg-open');
  if (!opener) {
    err.write(`open ${url} in a browser\n`);
    return;
  }
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => err.write(`could not start ${opener}; open ${url} in a browser\n`));
    child.unref();
  } catch {
    err.write(`open ${url} in a browser\n`);
  }
}

export const command: CliCommand = {
  name: 'live',
  summary: 'show the board live: web page with charts, score, cue and trials; terminal status line',
  help: HELP,
  allowPositionals: true,
  options: { ...SOURCE_OPTIONS, ...optionTable(['port', 'host', 'token', 'window', 'foot', 'eyes', 'duration', 'surface', 'patient', 'store', 'database', 'foot-length', 'target', 'body-weight', 'layout', 'record'], ['no-open', 'no-web', 'no-store']) },
  async run(ctx: CommandContext): Promise<number> {
    const v = ctx.values;
    const { source, calibrationFile } = parseSourceFlags(v, ctx.positionals);
    const web = v['no-web'] !== true;
    const portGiven = v.port !== undefined;
    const port = portGiven ? (typeof v.port === 'string' ? (parseDecimal(v.port) ?? NaN) : NaN) : DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0..65535, got '${String(v.port)}'`);
    const host = typeof v.host === 'string' ? v.host : '127.0.0.1';
    if (host === '') throw new UsageError('--host needs an address, e.g. --host 0.0.0.0');
    const token = typeof v.token === 'string' ? v.token : undefined;
    if (token !== undefined) {
      const problem = tokenProblem(token);
      if (problem) throw new UsageError(problem);
    }
    const windowS = parsePositive(v, 'window', 10)!;
    if (windowS > 120) throw new UsageError(`--window must be at most 120 s, got ${windowS}`);
    const stance = (await parseStanceFlags(v, 'left'))!;
    const { foot, footLengthMm = DEFAULT_FOOT_LENGTH_MM, target, layout } = stance;
    const eyes = oneOf<Eyes>(v, 'eyes', ['open', 'closed'], 'open');
    const surface = oneOf<Surface>(v, 'surface', ['firm', 'foam'], 'firm');
    const noStore = v['no-store'] === true;
    if (noStore && (v.patient !== undefined || v.store !== undefined || v.database !== undefined)) {
      throw new UsageError('--no-store cannot go with --patient, --store or --database');
    }
    const durationS = parsePositive(v, 'duration', 20)!;
    if (durationS < DURATION_RANGE_S.min || durationS > DURATION_RANGE_S.max) {
      throw new UsageError(`--duration must be ${DURATION_RANGE_S.min}..${DURATION_RANGE_S.max} s, got ${durationS}`);
    }
    const bodyWeightN = parsePositive(v, 'body-weight', null);
    if (bodyWeightN !== null && (bodyWeightN < 100 || bodyWeightN > 3000)) throw new UsageError(`--body-weight must be 100..3000 N, got ${bodyWeightN}`);

    if (typeof v.record === 'string') {
      try {
        checkWritable(v.record, { flag: '--record' });
      } catch (e) {
        const m = (e as Error).message;
        throw new UsageError(m.includes('already exists') ? `${v.record} already exists; choose another --record file (live never overwrites a recording)` : m);
      }
    }
    // Loaded late: `tripod live --help` and flag errors stay fast.
    const { DEFAULT_SCORING_LAYOUT } = await import('../../scoring/layout.ts');
    const { openBoard } = await import('../../session.ts');
    const { sessionSource } = await import('../../live/session-source.ts');
    const { startLive, scoringAnalysis } = await import('../../live/index.ts');

    // On the simulated board the synthetic person stands on the foot that was set, and touches down
    // with the other foot now and then (every 45 s from 40 s on), so a demo trial shows everything.
    let sim = {};
    if (source.kind === 'sim') {
      const { createSyntheticPerson, personLoadSource } = await import('../../sim/person.ts');
      const touchDowns = Array.from({ length: 80 }, (_, i) => ({ atS: 40 + 45 * i, durationS: 0.6 }));
      const person = createSyntheticPerson({ seed: source.seed ?? 1, foot, eyes, footLengthMm, touchDowns, ...(layout ? { layout } : {}) });
      sim = { sim: { loads: personLoadSource(person) } };
    }
    const session = await openBoard(source, {
      ...sim,
      transports: ctx.transports,
      calibrationFile,
      ...(typeof v.record === 'string' ? { record: { path: v.record } } : {}),
    }).catch((e: unknown) => {
      throw new RuntimeError(boardErrorLine(e));
    });
    // A write error (full disk) stops the recording, never the page: one line here, and the page shows it.
    session.recording?.onError((text) => ctx.err.write(`\ntripod live: ${text}; live view and trials go on\n`));
    // What the board or the host's handling of it says once (board-notice.ts: older frame format, frames lost on the radio and the larger frames asked for).
    const { boardMessage } = await import('../../live/board-notice.ts');
    session.events$.subscribe((e) => {
      const message = boardMessage(e);
      if (message !== null) ctx.err.write(`\ntripod live: ${message}\n`);
    });
    const src = sessionSource(session);
    const scoringLayout = layout ?? { ...DEFAULT_SCORING_LAYOUT, cells: src.layout.cells, plate: src.layout.plate };
    const analysis = scoringAnalysis({ footLengthMm, target, layout: scoringLayout }, bodyWeightN === null ? {} : { bodyWeightN });
    let store = null;
    if (!noStore) {
      const { openClinicStore, storeLocation } = await import('../../clinic/open.ts');
      const loc = storeLocation({ ...(typeof v.store === 'string' ? { store: v.store } : {}), ...(typeof v.database === 'string' ? { database: v.database } : {}) });
      if (loc.dir) {
        const { existsSync } = await import('node:fs');
        const { templatePath } = await import('../../clinic/pglite-template.ts');
        const fresh = !existsSync(join(loc.dir, 'PG_VERSION'));
        const how = existsSync(templatePath()) ? 'a few seconds' : 'about 10 s, the first store on this machine';
        ctx.err.write(`tripod live: clinic store ${loc.dir}${fresh ? ` (creating it: ${how})` : ''}\n`);
      }
      try {
        store = await openClinicStore(loc);
      } catch (e) {
        src.stop();
        await session.close();
        throw new RuntimeError(`${(e as Error).message} (or run with --no-store)`);
      }
    }
    const info = session.info as Partial<import('../../../protocol/index.ts').DeviceInfo> | null;
    const clinic = store
      ? {
          store,
          board: {
            label: src.label,
            kind: session.transport.kind,
            name: session.transport.description,
            firmware: typeof info?.firmwareMajor === 'number' ? `${info.firmwareMajor}.${info.firmwareMinor}.${info.firmwarePatch}` : null,
          },
          calibration: () => session.calibration,
          patient: typeof v.patient === 'string' ? v.patient : null,
        }
      : undefined;
    const liveOpts = { windowS, setup: { foot, eyes, surface, durationS }, web, terminal: ctx.out, ...(clinic ? { clinic } : {}) };
    let live;
    try {
      const tokenOpt = token === undefined ? {} : { token };
      live = await startLive(src, analysis, { ...liveOpts, server: { host, port, ...tokenOpt } }).catch(async (e: unknown) => {
        if (!portGiven && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') return startLive(src, analysis, { ...liveOpts, server: { host, port: 0, ...tokenOpt } });
        throw e;
      });
    } catch (e) {
      src.stop();
      await session.close();
      await store?.close();
      const code = (e as NodeJS.ErrnoException).code;
      const msg = (e as Error).message;
      throw new RuntimeError(code === 'EADDRINUSE' ? `port ${port} is in use: choose another with --port` : msg.startsWith('no patient') ? msg : `cannot serve the page: ${msg}`);
    }
    if (live.server) {
      const { port: servedPort, token: servedToken } = live.server;
      const query = servedToken === null ? '' : `?token=${encodeURIComponent(servedToken)}`;
      const url = LOOPBACK_HOSTS.has(host) || host === '0.0.0.0' || host === '::' ? live.server.url : `http://${host.includes(':') ? `[${host}]` : host}:${servedPort}/${query}`;
      ctx.out.write(`tripod live: ${url}  (${src.label}; Ctrl-C stops)\n`);
      if (host === '0.0.0.0' || host === '::') {
        for (const a of lanAddresses(host === '::')) ctx.out.write(`tripod live: on the network: http://${a.includes(':') ? `[${a}]` : a}:${servedPort}/${query}\n`);
      }
      if (!LOOPBACK_HOSTS.has(host)) {
        ctx.err.write(`note: serving on ${host}: the page, results and WebSocket need the token in the URL above; share it only with who may see the board's data and run trials\n`);
      }
      if (v['no-open'] !== true && !process.env.CI) openInBrowser(live.server.url, ctx.err);
    } else {
      ctx.out.write(`tripod live: ${src.label} (terminal only; Ctrl-C stops)\n`);
    }

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      void session.finished.then(() => resolve());
    });
    await live.close();
    await store?.close();
    src.stop();
    await session.close();
    const stats = session.stats();
    ctx.out.write(`tripod live: ${stats.samples} samples, ${stats.lost} lost, ${live.hub.results.list().length} trial(s)\n`);
    return 0;
  },
};
