import type { CliCommand } from './command.ts';

/** A command as the CLI knows it before loading it: its one-line summary and how to load it. */
export interface CommandEntry {
  /** The line `tripod --help` shows: the same as the command's own summary (a test checks). */
  summary: string;
  load: () => Promise<CliCommand>;
}

/**
 * Every `tripod` command, in the order `tripod --help` lists them (the daily
 * clinic and lab work first, board set-up after). One file per command under
 * host/cli/commands/; add yours here. Commands are loaded lazily, only the one that runs, so that
 * `tripod --help` loads none and commands that need no board never load BLE or serial code.
 */
export const COMMANDS: Record<string, CommandEntry> = {
  live: { summary: 'show the board live: web page with charts, score, cue and trials; terminal status line', load: async () => (await import('./commands/live.ts')).command },
  record: { summary: 'record a board losslessly to a .tripod file', load: async () => (await import('./commands/record.ts')).command },
  patients: { summary: 'list or add the clinic store\'s patients (table, CSV, JSON)', load: async () => (await import('./commands/patients.ts')).command },
  sessions: { summary: 'list or export the stored sessions and trials (table, CSV, JSON)', load: async () => (await import('./commands/sessions.ts')).command },
  report: { summary: 'write a printable HTML report of a patient\'s sessions', load: async () => (await import('./commands/report.ts')).command },
  replay: { summary: 'play a recording back (1x, any factor or max) and summarise it', load: async () => (await import('./commands/replay.ts')).command },
  export: { summary: 'write a recording as CSV, NDJSON or C3D (forces N, total N, CoP mm)', load: async () => (await import('./commands/export.ts')).command },
  analyze: { summary: "sway metrics per stance of a recording, an export or another device's CoP file", load: async () => (await import('./commands/analyze.ts')).command },
  info: { summary: 'show a board: firmware, protocol, rate, MTU, battery, calibration', load: async () => (await import('./commands/info.ts')).command },
  tare: { summary: 'zero the board (store new per-cell offsets)', load: async () => (await import('./commands/tare.ts')).command },
  calibrate: { summary: 'calibrate the cells with a known mass (wizard, or scripted with --yes)', load: async () => (await import('./commands/calibrate.ts')).command },
  frames: { summary: 'set the samples per frame the board sends (latency against notifications per second)', load: async () => (await import('./commands/frames.ts')).command },
  pair: { summary: "set a board's key so this host may change its settings", load: async () => (await import('./commands/pair.ts')).command },
  scan: { summary: 'list reachable boards (BLE, serial ports, the simulated board)', load: async () => (await import('./commands/scan.ts')).command },
  flash: { summary: 'upload the firmware to an Espruino board (serial, BLE or tcp://) and verify it', load: async () => (await import('./commands/flash.ts')).command },
  emulate: { summary: 'run the built firmware on an emulated board in real time (serial on a pty or TCP)', load: async () => (await import('./commands/emulate.ts')).command },
  doctor: { summary: 'check this machine for a board source: Bluetooth binding and adapter, serial ports, browser', load: async () => (await import('./commands/doctor.ts')).command },
};
