/**
 * Finds references in comments and Markdown that point at nothing: a repository file that does not
 * exist, anything in the `shared` reference folder beside the repository (material outside the
 * product), or a function name that appears nowhere in the code. Used by references.test.ts.
 *
 * What counts as a reference (practical, not a parser of prose):
 * - a path: words joined by `/` ending in a file extension (`host/scoring/trial.ts`, `host/sim/person.ts`,
 *   `firmware/native/hx711.c`), resolved against the file's folder, the repository root or any
 *   folder in between; a bare file name ending in .ts, .mjs or .md (`SPEC.md`, `ring.ts`) must exist
 *   somewhere in the repository. URLs, host names and files named as Espruino's are left alone.
 * - a path into the `shared` folder: always broken (the repository must stand alone).
 * - a function: inside backticks, a name directly followed by `(` or a lone camelCase identifier
 *   (`hxReadChips`, `summariseTrial()`); in a code comment also any name directly followed by `(`
 *   outside backticks. It must appear as a word in the code (not the comments) of some source file,
 *   so Espruino, Node and browser APIs the code uses pass, and a helper that was renamed or removed
 *   does not. Names of 3 characters or less (math) and EXTERNAL_NAMES are not checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RepoFile {
  /** Path from the repository root, `/`-separated. */
  rel: string;
  text: string;
}

export interface BrokenReference {
  file: string;
  line: number;
  what: 'missing file' | 'outside the repository' | 'missing function';
  ref: string;
}

/** Folders never scanned: dependencies, build output, data the tests read. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'fixtures']);
const SOURCE = /\.(ts|mjs|js|c|h)$/;
const SCANNED = /\.(ts|mjs|js|c|h|md)$/;

/** Every file below the root (relative paths), skipping SKIP_DIRS and dot-folders. */
function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name) || (name.startsWith('.') && name !== '.ci')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(relative(ROOT, full).split(sep).join('/'));
  }
}

let allPaths: string[] | null = null;
function everyPath(): string[] {
  if (!allPaths) {
    allPaths = [];
    walk(ROOT, allPaths);
  }
  return allPaths;
}

/** The sources and Markdown pages to scan, with their text. */
export function repositoryFiles(): RepoFile[] {
  return everyPath()
    .filter((p) => SCANNED.test(p))
    .map((rel) => ({ rel, text: readFileSync(join(ROOT, rel), 'utf8') }));
}

interface Piece {
  line: number;
  text: string;
}

/**
 * Splits a C-family source into comments and code. Strings (', ", `) and regular expression
 * literals are code; a `/` starts a regular expression after an operator, a bracket or `return`.
 */
export function splitSource(src: string): { comments: Piece[]; code: string } {
  const comments: Piece[] = [];
  let code = '';
  let line = 1;
  let i = 0;
  let lastSignificant = '';
  const n = src.length;
  const take = (from: number, to: number): string => {
    const s = src.slice(from, to);
    for (const ch of s) if (ch === '\n') line++;
    return s;
  };
  while (i < n) {
    const ch = src[i]!;
    const next = src[i + 1];
    if (ch === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      comments.push({ line, text: src.slice(i + 2, stop) });
      i = stop;
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      const startLine = line;
      const body = take(i, stop);
      body.split('\n').forEach((t, k) => comments.push({ line: startLine + k, text: t }));
      i = stop;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < n && src[j] !== ch) {
        if (src[j] === '\\') j++;
        else if (ch !== '`' && src[j] === '\n') break;
        j++;
      }
      code += take(i, Math.min(n, j + 1));
      i = j + 1;
      lastSignificant = 'a';
      continue;
    }
    if (ch === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) || /\breturn\s*$/.test(code))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      code += take(i, Math.min(n, j + 1));
      i = j + 1;
      lastSignificant = 'a';
      continue;
    }
    code += ch;
    if (ch === '\n') line++;
    if (!/\s/.test(ch)) lastSignificant = ch;
    i++;
  }
  return { comments, code };
}

const URL = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const PATH = /(?<![\w/.*$@-])((?:\.{1,2}\/)*(?:[\w.-]+\/)*[\w-][\w.-]*\.(?:ts|mjs|md|tsv|c|h|sh))(?![\w/-])/g;
const BARE_CHECKED = /\.(ts|mjs|md)$/;
const SHARED = /(?<![\w.-])(?:\.\.\/)*shared\/[\w./-]*/g;
const CALL = /(?<![\w$])([A-Za-z_$][\w$]*)\(/g;
const CAMEL_WORD = /^[a-z][a-z0-9]*[A-Z][\w$]*$/;
const BACKTICKS = /`([^`\n]+)`/g;
/** A Markdown link's label: only its target is a reference. */
const LINK_LABEL = /\[[^\]\n]*\]\(/g;

/**
 * Functions of other projects that comments name with their source (Espruino's C code, the Arm
 * pseudocode, EspruinoTools, scipy, ECMAScript's TypedArray) and the protocol's pseudocode (protocol/SPEC.md).
 */
const EXTERNAL_NAMES = new Set([
  'jsiCountBracketsInInput', 'nativeCallGetCType', 'jshPinSetState', 'jshPinSetValue', 'jshPinGetValue',
  'jsspiSoftwareFunc', 'SignExtend', 'sendCode', 'sendFile', 'butter', 'conj', 'signext24', 'signext8', 'bitlength', 'TypedArray',
  'jsvKill', 'mmap', 'jshFlashGetMemMapAddress',
]);

/** A name that is neither in the code nor a known external one (names of 3 characters or less are math). */
function isUnknown(name: string, words: Set<string>): boolean {
  return name.length > 3 && !words.has(name) && !EXTERNAL_NAMES.has(name);
}

/** Words of the code (identifiers and words in strings) of every source file. */
function codeWords(files: RepoFile[]): Set<string> {
  const words = new Set<string>();
  for (const f of files) {
    // This checker's own tests name missing functions on purpose: they do not make them exist.
    if (!SOURCE.test(f.rel) || f.rel.startsWith('tests/docs/')) continue;
    for (const w of splitSource(f.text).code.match(/[A-Za-z_$][\w$]*/g) ?? []) words.add(w);
  }
  return words;
}

function pathExists(ref: string, fromRel: string, paths: Set<string>, basenames: Set<string>): boolean {
  const clean = ref.replace(/^(\.\/)+/, '');
  if (!ref.includes('/')) return !BARE_CHECKED.test(ref) || basenames.has(ref);
  let dir = dirname(fromRel);
  for (;;) {
    const candidate = normalize(join(dir, clean)).split(sep).join('/');
    if (!candidate.startsWith('..') && paths.has(candidate)) return true;
    if (dir === '.' || dir === '') break;
    dir = dirname(dir);
  }
  return false;
}

/**
 * Broken references in `files`. `context` (default: `files`) gives the code whose words count as
 * existing functions and, with the files on disk, the paths that exist.
 */
export function brokenReferences(files: RepoFile[], context: RepoFile[] = files): BrokenReference[] {
  const paths = new Set([...everyPath(), ...files.map((f) => f.rel)]);
  const basenames = new Set([...paths].map((p) => basename(p)));
  const words = codeWords(context);
  const out: BrokenReference[] = [];
  for (const f of files) {
    const isMd = f.rel.endsWith('.md');
    const pieces: Piece[] = isMd ? f.text.split('\n').map((text, k) => ({ line: k + 1, text })) : splitSource(f.text).comments;
    for (const piece of pieces) {
      const text = piece.text.replace(URL, ' ').replace(LINK_LABEL, '(');
      const add = (what: BrokenReference['what'], ref: string): void => {
        if (!out.some((b) => b.file === f.rel && b.line === piece.line && b.ref === ref)) out.push({ file: f.rel, line: piece.line, what, ref });
      };
      const found: Array<{ at: number; what: BrokenReference['what']; ref: string }> = [];
      for (const m of text.matchAll(SHARED)) found.push({ at: m.index!, what: 'outside the repository', ref: m[0] });
      for (const m of text.matchAll(PATH)) {
        const ref = m[1]!;
        if (/(^|\/)shared\//.test(ref)) continue;
        if (/^[\w-]+(\.[\w-]+)+\//.test(ref)) continue; // a host name: a URL without its scheme
        if (/Espruino/.test(text.slice(Math.max(0, m.index! - 100), m.index))) continue; // a file of Espruino's, named as such
        if (!pathExists(ref, f.rel, paths, basenames)) found.push({ at: m.index!, what: 'missing file', ref });
      }
      for (const m of text.matchAll(BACKTICKS)) {
        const span = m[1]!;
        const names = new Set<string>();
        for (const c of span.matchAll(CALL)) names.add(c[1]!);
        const lone = /^(?:[\w$]+\.)*([A-Za-z_$][\w$]*)(?:\(\))?$/.exec(span);
        if (lone && CAMEL_WORD.test(lone[1]!)) names.add(lone[1]!);
        for (const name of names) if (isUnknown(name, words)) found.push({ at: m.index!, what: 'missing function', ref: name });
      }
      if (!isMd) {
        const outside = text.replace(BACKTICKS, (q) => ' '.repeat(q.length));
        for (const c of outside.matchAll(CALL)) if (isUnknown(c[1]!, words)) found.push({ at: c.index!, what: 'missing function', ref: c[1]! });
      }
      found.sort((a, b) => a.at - b.at);
      for (const x of found) add(x.what, x.ref);
    }
  }
  return out;
}
