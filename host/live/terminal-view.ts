/**
 * The terminal's view of the live hub: one compact status line (score, total N, CoP, tripod shares,
 * cue, sample rate, lost, battery), redrawn in place on a TTY a few times a second, or printed once a second
 * as plain lines when the output is a pipe or a file.
 */
import { batteryText } from './battery-text.ts';
import type { LiveSnapshot } from './hub.ts';

/** Formats one status line (no ANSI codes; `width` truncates it, 0 = no limit). */
export function formatStatusLine(s: LiveSnapshot, width = 0): string {
  const st = s.status;
  const parts: string[] = [];
  parts.push(st.connection === 'connected' ? 'connected' : st.connection.toUpperCase());
  parts.push(`${st.rateHz === null ? '--.-' : st.rateHz.toFixed(1)} Hz`);
  parts.push(`lost ${st.lost}`);
  if (st.batteryPct !== null || st.batteryMv !== null) parts.push(`battery ${batteryText(st.batteryPct, st.batteryMv)}`);
  const last = s.last;
  parts.push(`total ${last ? last.total.toFixed(1).padStart(6) : '   ---'} N`);
  parts.push(last?.cop ? `CoP ${signed(last.cop.x)} ${signed(last.cop.y)} mm` : 'CoP    ---    --- mm');
  const l = s.live;
  if (l?.rollingShares) {
    parts.push(`heel ${pct(l.rollingShares.heel)} 1MT ${pct(l.rollingShares.mt1)} 5MT ${pct(l.rollingShares.mt5)}`);
  } else {
    parts.push('heel ---  1MT ---  5MT ---');
  }
  parts.push(`score ${l?.rollingScore === null || l?.rollingScore === undefined ? '--' : String(Math.round(l.rollingScore)).padStart(3)}`);
  parts.push(`zone ${l ? `${Math.round(l.inZonePct)}%` : '--'}`);
  const t = s.trial;
  if (t.phase === 'running' && t.elapsedS !== null) parts.push(`trial ${t.elapsedS.toFixed(1)}/${t.setup.durationS} s, ${t.touchdowns.length} TD`);
  else if (t.phase !== 'idle') parts.push(`trial ${t.phase}`);
  parts.push(l ? `"${l.cue}"` : '');
  const line = parts.filter(Boolean).join(' | ');
  return width > 0 && line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(1)}`.padStart(6);
}

function pct(v: number): string {
  return `${Math.round(v * 100)}%`.padStart(4);
}

/** ANSI colours for a terminal: the connection state green or red, the cue bold. */
export function colourise(line: string): string {
  return line
    .replace(/^connected/, '\x1b[32mconnected\x1b[0m')
    .replace(/^[A-Z]+/, (m) => `\x1b[31;1m${m}\x1b[0m`)
    .replace(/"([^"]*)"(…?)$/, '\x1b[1m"$1"$2\x1b[0m');
}

export interface TerminalView {
  stop(): void;
}

/** Starts redrawing the status line on `out`. TTY: in place at 4 Hz; otherwise one line a second. */
export function startTerminalView(snapshot: () => LiveSnapshot, out: NodeJS.WritableStream): TerminalView {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const timer = setInterval(
    () => {
      const columns = tty ? ((out as NodeJS.WriteStream).columns ?? 120) : 0;
      const line = formatStatusLine(snapshot(), columns);
      out.write(tty ? `\r\x1b[2K${colourise(line)}` : `${line}\n`);
    },
    tty ? 250 : 1000,
  );
  return {
    stop: () => {
      clearInterval(timer);
      if (tty) out.write('\n');
    },
  };
}
