/**
 * A child process of `tripod analyze DIR|FILES...`: analyses the files it is sent, one message each
 * way ({ id, file, opts } -> { id, ok, result (a row per stance) | error }), until its channel closes.
 */
import type { AnalyzeFileOptions, AnalyzedTrial } from '../scoring/analyze-file.ts';
import { analyzeFile } from './analyze-input.ts';

export interface WorkRequest {
  id: number;
  file: string;
  opts: AnalyzeFileOptions;
}

export type WorkReply = { id: number; ok: true; result: AnalyzedTrial[] } | { id: number; ok: false; error: string };

process.on('message', (m: WorkRequest) => {
  void analyzeFile(m.file, m.opts).then(
    (result): WorkReply => ({ id: m.id, ok: true, result }),
    (e: unknown): WorkReply => ({ id: m.id, ok: false, error: ((e as Error).message ?? String(e)).split('\n')[0]! }),
  ).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));
