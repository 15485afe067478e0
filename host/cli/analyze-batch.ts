/**
 * `tripod analyze DIR|FILES... --out table.csv`: every file (a folder's .tripod, .txt, .csv, .tsv
 * and .c3d files, recursively) analysed on every core (one child process per core), one table row
 * per file and stance (trial) in the order given, with the file's metadata, progress on stderr. A
 * file that cannot be analysed does not stop the others: it is listed at the end with its reason,
 * and the exit code is 1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { AnalyzeFileOptions, AnalyzedTrial } from '../scoring/analyze-file.ts';
import { METADATA_KEYS } from '../scoring/cop-file.ts';
import type { WorkReply, WorkRequest } from './analyze-worker.ts';
import type { CommandContext } from './command.ts';
import { RuntimeError, UsageError } from './errors.ts';
import { ProgressBar } from './progress.ts';

const EXTENSIONS = /\.(tripod|txt|csv|tsv|c3d)$/i;

/** The files to analyse: each FILE, and each folder's CoP files (recursively, sorted). */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && EXTENSIONS.test(e.name) && !/^readme/i.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

const COMPILED = import.meta.url.endsWith('.js');
const WORKER = fileURLToPath(new URL(COMPILED ? './analyze-worker.js' : './analyze-worker.ts', import.meta.url));

function startWorker(): ChildProcess {
  const execArgv = COMPILED ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return fork(WORKER, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Analyses every file; resolves with rows in input order and the failures. */
export async function analyzeMany(files: string[], opts: AnalyzeFileOptions, jobs: number, onDone: (done: number) => void): Promise<{ rows: Array<AnalyzedTrial[] | null>; failures: Array<{ file: string; error: string }> }> {
  const rows: Array<AnalyzedTrial[] | null> = new Array(files.length).fill(null);
  const failures: Array<{ file: string; error: string }> = [];
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(jobs, files.length)) }, startWorker);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          let current: number | null = null;
          let stderr = '';
          w.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
          const send = (): void => {
            if (next >= files.length) {
              current = null;
              w.disconnect();
              return;
            }
            current = next++;
            w.send({ id: current, file: files[current]!, opts } satisfies WorkRequest);
          };
          w.on('message', (m: WorkReply) => {
            if (m.ok) rows[m.id] = m.result;
            else failures.push({ file: files[m.id]!, error: m.error });
            onDone(++done);
            send();
          });
          w.on('exit', (code) => {
            if (current !== null) {
              // The worker died on this file (out of memory, a crash): report it, carry on without it.
              failures.push({ file: files[current]!, error: `the analysis process ended (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}` });
              onDone(++done);
              current = null;
            }
            resolve();
          });
          w.on('error', reject);
          send();
        }),
    ),
  );
  // Files a dead worker never reached are taken by a fresh one.
  const left = rows.map((r, i) => (r === null && !failures.some((f) => f.file === files[i]) ? i : -1)).filter((i) => i >= 0);
  if (left.length > 0) {
    const again = await analyzeMany(left.map((i) => files[i]!), opts, jobs, () => onDone(++done));
    left.forEach((i, k) => (rows[i] = again.rows[k]!));
    failures.push(...again.failures);
  }
  return { rows, failures };
}

/** Column names of the table before the metrics (which are --json's keys). */
export const BATCH_COLUMNS = ['file', 'trial', 'trials', 'from_s', 'to_s', ...METADATA_KEYS, 'format', 'trimming', 'preprocessing'] as const;

/** The CSV table: one row per file and stance; times rounded to 1 ms. */
export function batchTable(rows: AnalyzedTrial[]): string {
  const metricKeys = rows[0] ? Object.keys(rows[0].metrics) : [];
  const ms = (v: number): number => Math.round(v * 1000) / 1000;
  const lines = [[...BATCH_COLUMNS, ...metricKeys].map(csvField).join(',')];
  for (const r of rows) {
    const meta = METADATA_KEYS.map((k) => r.metadata?.[k] ?? null);
    lines.push([r.file, r.trial, r.trials, ms(r.fromS), ms(r.toS), ...meta, r.format, r.trimming, r.preprocessing, ...metricKeys.map((k) => r.metrics[k])].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function runBatch(ctx: CommandContext, paths: string[], opts: AnalyzeFileOptions & { out: string | null; jobs: number | null; force: boolean }): Promise<number> {
  const files = collectFiles(paths);
  if (files.length === 0) throw new UsageError(`no recordings or CoP files (.tripod, .txt, .csv, .tsv, .c3d) in ${paths.join(' ')}`);
  let fd: number | null = null;
  if (opts.out !== null && opts.out !== '-') {
    try {
      fd = fs.openSync(opts.out, opts.force ? 'w' : 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${opts.out} already exists; add --force to overwrite it or choose another --out`);
      throw new RuntimeError(`cannot create ${opts.out}: ${(e as Error).message}`);
    }
  }
  const jobs = opts.jobs ?? availableParallelism();
  const progress = new ProgressBar(ctx.err, { label: 'analysing', total: files.length, unit: 'files' });
  const { rows, failures } = await analyzeMany(files, { filter: opts.filter, whole: opts.whole === true, ...(opts.cutoffHz !== undefined ? { cutoffHz: opts.cutoffHz } : {}) }, jobs, (d) => progress.update(d));
  progress.done();
  const ok = rows.filter((r): r is AnalyzedTrial[] => r !== null);
  const text = batchTable(ok.flat());
  if (fd !== null) {
    fs.writeSync(fd, text);
    fs.closeSync(fd);
  } else ctx.out.write(text);
  if (fd !== null) ctx.err.write(`tripod analyze: ${ok.length} of ${files.length} file(s) analysed into ${opts.out}: ${ok.flat().length} row(s) (one per stance) from ${Math.min(jobs, files.length)} process(es)\n`);
  for (const f of failures) ctx.err.write(`tripod analyze: skipped ${f.file}: ${f.error.startsWith(`${f.file}: `) ? f.error.slice(f.file.length + 2) : f.error}\n`);
  if (failures.length > 0) ctx.err.write(`tripod analyze: ${failures.length} file(s) could not be analysed (listed above)\n`);
  return failures.length > 0 ? 1 : 0;
}
