/**
 * What the board, or the host's handling of it, says once and a user of the live view must know:
 * frames lost on the radio and the board switched to larger frames (or why it could not be), an
 * older frame format, a stream that could not resume. One rule for both places it is shown: the
 * terminal (`tripod live` writes it on stderr) and the page (a notice, also to pages that open later).
 */
import type { PipelineEvent } from '../pipeline/types.ts';
import type { NoticeMessage } from './messages.ts';

/** Device events (host/session.ts) whose message the live view shows. */
const SHOWN = new Set(['radio-loss', 'frame-format', 'resume-failed']);

/** The message of `e` as the board or the host wrote it, or null when `e` is not one the live view shows. */
export function boardMessage(e: PipelineEvent): string | null {
  return e.type === 'device-event' && SHOWN.has(e.name) && typeof e.detail.message === 'string' ? e.detail.message : null;
}

/** The page's notice for `e` (boardMessage as a sentence), or null when `e` is not one the live view shows. */
export function boardNotice(e: PipelineEvent): NoticeMessage | null {
  const text = boardMessage(e);
  if (text === null || e.type !== 'device-event') return null;
  // A radio-loss event without the new samples per frame is the host saying it could not fix it.
  const done = e.name === 'frame-format' || (e.name === 'radio-loss' && typeof e.detail.samplesPerFrame === 'number');
  return { type: 'notice', level: done ? 'info' : 'error', text: `${text.charAt(0).toUpperCase()}${text.slice(1)}.` };
}
