/**
 * The clinic's HTTP API on the live server (/api/clinic/...), JSON in and out:
 *   GET  state                       store, current patient, patient list
 *   POST patients {code,name,notes}  add a patient (and select it)
 *   POST select {code|null}          the patient the next trials are stored for
 *   GET  patients/CODE/progress      trials, progress charts, next level, rule
 *   PUT  patients/CODE/rule {rule}   set the progression rule
 *   GET  report?patient=CODE[&session=ID]  the printable report (HTML)
 * Writes need a JSON body and, when the browser sends one, an Origin of this server (a page on
 * another site cannot post here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildProgress } from './progress.ts';
import { loadReport, renderReport } from './report.ts';
import { checkRule } from './store.ts';
import type { ClinicLink } from './live-link.ts';
import { ClinicInputError } from './types.ts';

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new ClinicInputError('send the body as application/json');
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new ClinicInputError(`body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new ClinicInputError('body is not a JSON object');
  }
}

/** Handles /api/clinic/...; returns false for other paths. */
export async function handleClinicApi(link: ClinicLink, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (!url.pathname.startsWith('/api/clinic/')) return false;
  const path = url.pathname.slice('/api/clinic/'.length);
  const store = link.store;
  const method = req.method ?? 'GET';
  try {
    if (method !== 'GET' && method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin.replace(/^https?:\/\//, '') !== req.headers.host) {
        send(res, 403, { error: 'request from another site refused' });
        return true;
      }
    }
    if (method === 'GET' && path === 'state') {
      send(res, 200, { store: store.description, patient: link.patient, patients: await store.patients() });
      return true;
    }
    if (method === 'POST' && path === 'patients') {
      const b = await readJson(req);
      const p = await store.createPatient({ code: String(b.code ?? ''), name: (b.name as string | null) ?? null, notes: (b.notes as string | null) ?? null });
      link.select(p);
      send(res, 201, { patient: p });
      return true;
    }
    if (method === 'POST' && path === 'select') {
      const b = await readJson(req);
      if (b.code === null) {
        link.select(null);
        send(res, 200, { patient: null });
        return true;
      }
      const p = await store.patient(String(b.code ?? ''));
      if (!p) throw new ClinicInputError(`no patient with code '${String(b.code)}'`);
      link.select(p);
      send(res, 200, { patient: p });
      return true;
    }
    const m = /^patients\/([^/]+)\/(progress|rule)$/.exec(path);
    if (m) {
      const p = await store.patient(decodeURIComponent(m[1]!));
      if (!p) {
        send(res, 404, { error: `no patient with code '${decodeURIComponent(m[1]!)}'` });
        return true;
      }
      if (method === 'GET' && m[2] === 'progress') {
        const rule = await store.rule(p.id);
        const trials = await store.trials(p.id);
        send(res, 200, { patient: p, rule, trials, sessions: await store.sessions(p.code), progress: buildProgress(trials, rule) });
        return true;
      }
      if (method === 'PUT' && m[2] === 'rule') {
        const rule = checkRule((await readJson(req)).rule);
        await store.setRule(p.id, rule);
        send(res, 200, { rule });
        return true;
      }
    }
    if (method === 'GET' && path === 'report') {
      const code = url.searchParams.get('patient') ?? link.patient?.code;
      if (!code) throw new ClinicInputError('report: choose a patient');
      const s = url.searchParams.get('session');
      const html = renderReport(await loadReport(store, code, s === null ? undefined : Number(s)));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(html);
      return true;
    }
    send(res, 404, { error: `no such clinic call: ${method} ${url.pathname}` });
  } catch (e) {
    const bad = e instanceof ClinicInputError || (e as Error).message.startsWith('no patient') || (e as Error).message.includes('has no session');
    send(res, bad ? 400 : 500, { error: (e as Error).message });
  }
  return true;
}
