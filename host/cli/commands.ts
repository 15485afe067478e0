import type { CliCommand } from './command.ts';

/**
 * Every `tripod` command, in the order `tripod --help` lists them (the daily
 * clinic and lab work first, board set-up after). One file per command under
 * host/cli/commands/; add yours here. Commands are loaded lazily so that `tripod --help` and
 * commands that need no board stay fast and never load BLE or serial code.
 */
export const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  live: async () => (await import('./commands/live.ts')).command,
  record: async () => (await import('./commands/record.ts')).command,
  patients: async () => (await import('./commands/patients.ts')).command,
  sessions: async () => (await import('./commands/sessions.ts')).command,
  report: async () => (await import('./commands/report.ts')).command,
  replay: async () => (await import('./commands/replay.ts')).command,
  export: async () => (await import('./commands/export.ts')).command,
  analyze: async () => (await import('./commands/analyze.ts')).command,
  info: async () => (await import('./commands/info.ts')).command,
  tare: async () => (await import('./commands/tare.ts')).command,
  calibrate: async () => (await import('./commands/calibrate.ts')).command,
  pair: async () => (await import('./commands/pair.ts')).command,
  scan: async () => (await import('./commands/scan.ts')).command,
  flash: async () => (await import('./commands/flash.ts')).command,
  emulate: async () => (await import('./commands/emulate.ts')).command,
  doctor: async () => (await import('./commands/doctor.ts')).command,
};
