import { optionTable, type CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { ProgressBar } from '../progress.ts';

const HELP = `Usage: tripod flash --port PORT [--board mdbt42q|puckjs|custom] [flags]

Uploads the built firmware (firmware/dist/tripod.min.js, from 'npm run build:firmware') to an Espruino
board with the espruino npm package, saves it to flash (.bootcde) so it runs at every boot, then
checks it by reading the firmware and protocol versions with the protocol's GET_INFO command.

  --port PORT      where the board is: a serial path (/dev/ttyUSB0, COM3), a BLE address or
                   name (c0:ff:ee:12:34:56, "MDBT42Q 1a2b"), or tcp://host:port (an Espruino
                   console on TCP, e.g. 'tripod emulate --repl tcp://127.0.0.1:2323')
  --board NAME     mdbt42q or puckjs: refuse (before writing anything) a board that reports
                   another BOARD; custom: any Espruino board, wired as --pins says
                   (default: accept any board with its built-in pin map)
  --pins LIST      with --board custom: SCK0,SCK1,SCK2,SCK3,RATE,DOUT0,DOUT1,DOUT2,DOUT3 (one
                   clock per chip, the fast read) or SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3 (one shared
                   clock); pin numbers 0..31, RATE -1 when hard-wired; stored in tripod.json
  --file FILE      upload this file instead of firmware/dist/tripod.min.js
  --minify         let the espruino package minify the code (Esprima, offline)
  --no-pretokenise send the code as text (by default the package pretokenises it: keywords,
                   operators, strings and small ints as Espruino's own tokens, about 24 % smaller
                   and parsed faster on the board; the Tripod firmware needs it to fit the
                   board's 40 KB of Storage)
  --no-verify      skip the GET_INFO check (for code that is not the Tripod firmware)
  --json           print the result as one JSON object
  --verbose        show the espruino package's own log lines

Errors (exit 1) name the failure: no board at the port, a device that is not Espruino (nothing
is written to it), a board of the wrong kind (nothing written), an upload cut midway (the board
was reset and its incomplete code will not run: run tripod flash again), no GET_INFO answer.

Examples:
  tripod flash --port /dev/ttyACM0 --board mdbt42q
  tripod emulate --repl tcp://127.0.0.1:2323 &  tripod flash --port tcp://127.0.0.1:2323`;

export const command: CliCommand = {
  name: 'flash',
  summary: 'upload the firmware to an Espruino board (serial, BLE or tcp://) and verify it',
  help: HELP,
  options: optionTable(['port', 'board', 'pins', 'file'], ['minify', 'no-pretokenise', 'no-verify', 'json', 'verbose']),
  async run(ctx) {
    const v = ctx.values;
    if (typeof v.port !== 'string' || v.port === '') throw new UsageError('--port is required: a serial path, a BLE address or tcp://host:port');
    const board = v.board;
    if (board !== undefined && board !== 'mdbt42q' && board !== 'puckjs' && board !== 'custom') {
      throw new UsageError(`--board must be mdbt42q, puckjs or custom, got '${String(board)}'`);
    }
    const { flashFirmware } = await import('../../flash/flash.ts');
    const { FlashError } = await import('../../flash/upload.ts');
    const { parsePins } = await import('../../flash/pins.ts');
    let pins: import('../../flash/pins.ts').CustomPins | undefined;
    try {
      pins = typeof v.pins === 'string' ? parsePins(v.pins) : undefined;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const say = (line: string): void => {
      ctx.err.write(`${line}\n`);
    };
    let bar: ProgressBar | null = null;
    let lastPct = -1;
    try {
      const r = await flashFirmware({
        port: v.port,
        ...(board ? { board } : {}),
        ...(pins ? { pins } : {}),
        ...(typeof v.file === 'string' ? { file: v.file } : {}),
        minify: v.minify === true,
        pretokenise: v['no-pretokenise'] !== true,
        noVerify: v['no-verify'] === true,
        ...(v.verbose ? { log: (l: string) => say(`  espruino: ${l}`) } : {}),
        onEvent: (e) => {
          if (e.type === 'read') say(`firmware: ${e.file} (${e.bytes} bytes)`);
          else if (e.type === 'verify') {
            if (e.attempt === 1) say('verifying: GET_INFO over the protocol...');
          } else if (e.type === 'upload') {
            const p = e.progress;
            if (p.stage === 'checking') say(`port: ${p.detail ?? v.port}`);
            else if (p.stage === 'connecting') say('connecting...');
            else if (p.stage === 'identified') say(`board: ${p.detail ?? 'Espruino'}`);
            else if (p.stage === 'preparing') say('preparing the code (Save on Send to .bootcde)...');
            else if (p.stage === 'uploading' && p.total > 0) {
              bar ??= new ProgressBar(ctx.err, { label: 'uploading', total: p.total, unit: 'bytes', delayMs: 0 });
              bar.update(p.sent);
              // Without a terminal, a line every 25 % (progress stays visible in logs and CI).
              const pct = Math.floor((p.sent / p.total) * 4) * 25;
              if (!(ctx.err as { isTTY?: boolean }).isTTY && pct > lastPct) {
                lastPct = pct;
                say(`uploading: ${pct}% (${p.sent}/${p.total} bytes)`);
              }
            } else if (p.stage === 'finishing') {
              bar?.done();
              say('uploaded; booting it (load())...');
            }
          }
        },
      });
      if (v.json) {
        ctx.out.write(
          `${JSON.stringify({
            ok: true,
            port: r.port,
            file: r.file,
            uploaded_bytes: r.uploadedBytes,
            upload_s: Number(r.uploadS.toFixed(3)),
            espruino: r.espruino,
            firmware_version: r.verified?.firmwareVersion ?? null,
            protocol_version: r.verified?.protocolVersion ?? null,
            board: r.verified?.board ?? null,
            verify_skipped: r.verifySkipped,
          })}\n`,
        );
      } else if (r.verified) {
        ctx.out.write(
          `flashed ${r.port} in ${r.uploadS.toFixed(1)} s: Tripod firmware ${r.verified.firmwareVersion}, protocol ${r.verified.protocolVersion}, board ${r.verified.board}, ${r.verified.info.sampleRateHz} Hz\n`,
        );
      } else {
        ctx.out.write(`flashed ${r.port} in ${r.uploadS.toFixed(1)} s (${r.verifySkipped ?? 'not verified'})\n`);
      }
      return 0;
    } catch (e) {
      (bar as ProgressBar | null)?.done();
      if (e instanceof FlashError) {
        if (v.json) ctx.out.write(`${JSON.stringify({ ok: false, error: e.code, message: e.message, sent: e.sent, total: e.total })}\n`);
        if (e.code === 'usage') throw new UsageError(e.message);
        throw new RuntimeError(e.message);
      }
      throw e;
    }
  },
};
