/**
 * A child process of `tripod analyze DIR|FILES...`: analyses the files it is sent, one message each
 * way ({ id, file, opts } -> { id, ok, result | error }), until its channel closes.
 */
import { analyzeCopFile, type AnalyzeFileOptions, type AnalyzedFile } from '../scoring/analyze-file.ts';

export interface WorkRequest {
  id: number;
  file: string;
  opts: AnalyzeFileOptions;
}

export type WorkReply = { id: number; ok: true; result: AnalyzedFile } | { id: number; ok: false; error: string };

process.on('message', (m: WorkRequest) => {
  let reply: WorkReply;
  try {
    reply = { id: m.id, ok: true, result: analyzeCopFile(m.file, m.opts) };
  } catch (e) {
    reply = { id: m.id, ok: false, error: ((e as Error).message ?? String(e)).split('\n')[0]! };
  }
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));
