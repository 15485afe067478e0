/**
 * `npm run build:firmware`: compiles firmware/src (and the Espruino-safe protocol files it imports)
 * into ONE file, firmware/dist/tripod.js, that Espruino runs as is.
 *
 * Steps (see firmware/ESPRUINO.md for why each exists):
 * 0. Type-check firmware/src with firmware/tsconfig.json (strict, lib ES5 + src/espruino.d.ts);
 *    skipped with --no-typecheck (tests and the bench build from an already checked tree).
 * 1. Follow value imports from firmware/src/main.ts (relative `.ts` paths only), depth first, so every
 *    module comes after the modules it imports; an import cycle is a build error.
 * 2. Transpile each file alone with TypeScript 5.9.3 (`transpileModule`, target ES5, comments removed,
 *    `noEmitHelpers`: a construct needing a helper leaves a `__name` reference that step 5 rejects).
 * 3. Strip `import` declarations and `export` keywords (acorn AST, text slices) and concatenate.
 *    All modules share one top-level scope, so a top-level name declared in two modules is an error;
 *    renamed (`as`), default and namespace imports are errors too.
 * 4. Hoist: in the program and in every function body, move function declarations to the top, after
 *    the directive prologue (`"jit"`/`"ram"` must stay first). Espruino does not hoist.
 * 5. Refuse output that still contains `require(` of anything but Espruino built-ins or a `__helper`.
 * Leading indentation and blank lines are dropped (the interpreter re-lexes function bodies on each
 * call). The full Espruino check lives in tests/firmware/espruino-check.ts and runs in `npm test`.
 */
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import ts from 'typescript';
import { children, visit, visitFreeReferences, type AnyNode } from './ast.ts';
import { foldConstants, inlineConstants, releaseBootOnly, splitLazyGroups } from './memory-passes.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
/** Espruino's built-in modules the firmware may `require`. */
export const ESPRUINO_BUILTIN_MODULES = ['Storage'];

interface Module {
  file: string;
  js: string;
  deps: string[];
  /** Top-level names this module declares (functions and vars). */
  names: string[];
}

function fail(message: string): never {
  throw new Error(`build:firmware: ${message}`);
}

function rel(file: string): string {
  return relative(REPO, file);
}

/** Transpiles one file and removes its module syntax; returns the module record. */
function loadModule(file: string): Module {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    fail(`cannot read ${rel(file)} (imported module missing: check the import path)`);
  }
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
      noEmitHelpers: true,
      importHelpers: false,
      downlevelIteration: false,
      isolatedModules: true,
      verbatimModuleSyntax: false,
      newLine: ts.NewLineKind.LineFeed,
    },
  });
  const diags = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diags.length > 0) {
    fail(`${rel(file)}: ${ts.flattenDiagnosticMessageText(diags[0]!.messageText, ' ')}`);
  }
  const js = out.outputText;
  const ast = acorn.parse(js, { ecmaVersion: 2020, sourceType: 'module' }) as unknown as AnyNode;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const deps: string[] = [];
  const names: string[] = [];
  for (const stmt of ast.body as AnyNode[]) {
    if (stmt.type === 'ImportDeclaration') {
      const spec: string = stmt.source.value;
      if (!spec.startsWith('.') || !spec.endsWith('.ts')) {
        fail(`${rel(file)} imports '${spec}': firmware may import only relative '.ts' files (Espruino modules use require("Storage"))`);
      }
      for (const s of stmt.specifiers as AnyNode[]) {
        if (s.type !== 'ImportSpecifier' || s.imported.name !== s.local.name) {
          fail(`${rel(file)}: import from '${spec}' must be plain named imports without 'as', default or '* as' (all modules share one scope)`);
        }
      }
      deps.push(resolve(dirname(file), spec));
      edits.push({ start: stmt.start, end: stmt.end, text: '' });
    } else if (stmt.type === 'ExportNamedDeclaration') {
      if (stmt.declaration) {
        edits.push({ start: stmt.start, end: stmt.declaration.start, text: '' });
      } else if (stmt.source || (stmt.specifiers as AnyNode[]).length > 0) {
        fail(`${rel(file)}: re-exports and 'export { ... }' lists are not supported; export declarations directly`);
      } else {
        edits.push({ start: stmt.start, end: stmt.end, text: '' });
      }
    } else if (stmt.type === 'ExportDefaultDeclaration' || stmt.type === 'ExportAllDeclaration') {
      fail(`${rel(file)}: 'export default' and 'export *' are not supported`);
    }
    const decl: AnyNode = stmt.type === 'ExportNamedDeclaration' && stmt.declaration ? stmt.declaration : stmt;
    if (decl.type === 'FunctionDeclaration') names.push(decl.id.name);
    if (decl.type === 'VariableDeclaration') for (const d of decl.declarations as AnyNode[]) names.push(d.id.name);
  }
  let text = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { file, js: text, deps, names };
}

/** Modules reachable from `entry`, dependencies first. */
function collectModules(entry: string): Module[] {
  const order: Module[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: string, chain: string[]): void => {
    const s = state.get(file);
    if (s === 'done') return;
    if (s === 'visiting') fail(`import cycle: ${[...chain, file].map(rel).join(' -> ')}`);
    state.set(file, 'visiting');
    const mod = loadModule(file);
    for (const dep of mod.deps) visit(dep, [...chain, file]);
    state.set(file, 'done');
    order.push(mod);
  };
  visit(entry, []);
  return order;
}

/**
 * Moves function declarations to the top of every scope (program and function bodies), keeping the
 * directive prologue first and the declarations' relative order. Input must be ES5.
 */
export function hoistFunctionDeclarations(src: string): string {
  const ast = acorn.parse(src, { ecmaVersion: 5 }) as unknown as AnyNode;
  const bodies = new Set<AnyNode>();
  const mark = (n: AnyNode): void => {
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') bodies.add(n.body);
    for (const c of children(n)) mark(c);
  };
  mark(ast);
  const render = (n: AnyNode): string => {
    if (n.type === 'Program' || bodies.has(n)) {
      const stmts = n.body as AnyNode[];
      const isDirective = (s: AnyNode): boolean => s.type === 'ExpressionStatement' && typeof s.directive === 'string';
      let k = 0;
      while (k < stmts.length && isDirective(stmts[k]!)) k++;
      const prologue = stmts.slice(0, k);
      const rest = stmts.slice(k);
      const ordered = [...prologue, ...rest.filter((s) => s.type === 'FunctionDeclaration'), ...rest.filter((s) => s.type !== 'FunctionDeclaration')];
      const inner = ordered.map(render).join('\n');
      return n.type === 'Program' ? inner : `{\n${inner}\n}`;
    }
    let out = '';
    let pos = n.start;
    for (const c of children(n).sort((a, b) => a.start - b.start)) {
      out += src.slice(pos, c.start) + render(c);
      pos = c.end;
    }
    return out + src.slice(pos, n.end);
  };
  return render(ast);
}

/** Top-level functions of the entry module (the last one): always kept. Its constants are inlined like any other. */
function entryNames(modules: Module[]): Set<string> {
  const m = modules[modules.length - 1]!;
  return new Set(m.names.filter((n) => new RegExp(`(^|\\n)function ${n}\\(`).test(m.js)));
}

/**
 * Tree-shaking for one shared scope: removes top-level function declarations and `var` statements
 * (all declarators side-effect free: literals, object/array literals of literals, `new TypedArray(n)`,
 * function expressions) that nothing else references, repeating until nothing changes. The protocol
 * files carry host-side helpers (command encoders, decoders) the device never calls; each costs RAM.
 */
export function dropUnused(src: string, keep: Set<string>): string {
  let text = src;
  for (;;) {
    const ast = acorn.parse(text, { ecmaVersion: 5 }) as unknown as AnyNode;
    const refs = new Map<string, number>();
    visitFreeReferences(ast, (n) => refs.set(n.name, (refs.get(n.name) ?? 0) + 1));
    const pure = (e: AnyNode | null): boolean => {
      if (!e) return true;
      if (e.type === 'Literal' || e.type === 'FunctionExpression' || e.type === 'Identifier') return true;
      if (e.type === 'UnaryExpression') return pure(e.argument);
      if (e.type === 'BinaryExpression') return pure(e.left) && pure(e.right);
      if (e.type === 'ArrayExpression') return (e.elements as AnyNode[]).every((x) => pure(x));
      if (e.type === 'ObjectExpression') return (e.properties as AnyNode[]).every((p) => pure(p.value));
      if (e.type === 'NewExpression') return e.callee.type === 'Identifier' && /Array$/.test(e.callee.name) && (e.arguments as AnyNode[]).every((x) => x.type === 'Literal');
      return false;
    };
    const removals: AnyNode[] = [];
    for (const st of ast.body as AnyNode[]) {
      if (st.type === 'FunctionDeclaration' && !keep.has(st.id.name) && !refs.get(st.id.name)) removals.push(st);
      if (st.type === 'VariableDeclaration') {
        const decls = st.declarations as AnyNode[];
        if (decls.every((d) => !keep.has(d.id.name) && !refs.get(d.id.name) && pure(d.init))) removals.push(st);
      }
    }
    if (removals.length === 0) return text;
    for (const r of removals.sort((a, b) => b.start - a.start)) text = text.slice(0, r.start) + text.slice(r.end);
  }
}

/** Drops leading indentation and blank lines (safe for ES5 output: no template literals). */
function squeeze(src: string): string {
  return src
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

/**
 * Type-checks firmware/src with firmware/tsconfig.json (strict, lib ES5 plus src/espruino.d.ts):
 * the root type-check excludes firmware/src, so `npm run build:firmware` (part of `npm test`) does it.
 * Throws with the first few diagnostics.
 */
export function typecheckFirmware(): void {
  const configPath = resolve(HERE, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) fail(`cannot read ${rel(configPath)}: ${ts.flattenDiagnosticMessageText(read.error.messageText, ' ')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, HERE);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diags = ts.getPreEmitDiagnostics(program);
  if (diags.length > 0) {
    const lines = diags.slice(0, 5).map((d) => {
      const where = d.file && d.start !== undefined ? `${rel(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, ' ');
    });
    fail(`firmware type errors (${diags.length}):\n  ${lines.join('\n  ')}`);
  }
}

/** Builds the firmware; returns the output text (also written to `outFile`). typecheck: run typecheckFirmware first. */
export function buildFirmware(
  entry = resolve(HERE, 'src/main.ts'),
  outFile = resolve(HERE, 'dist/tripod.js'),
  typecheck = false,
): string {
  if (typecheck) typecheckFirmware();
  const modules = collectModules(entry);
  const owner = new Map<string, string>();
  for (const m of modules) {
    for (const name of m.names) {
      const prev = owner.get(name);
      if (prev) fail(`top-level name '${name}' is declared in both ${rel(prev)} and ${rel(m.file)}; rename one (all modules share one scope)`);
      owner.set(name, m.file);
    }
  }
  const joined = modules.map((m) => m.js).join('\n');
  const keep = entryNames(modules);
  const body = squeeze(releaseBootOnly(hoistFunctionDeclarations(splitLazyGroups(dropUnused(foldConstants(inlineConstants(joined)), keep), keep))));
  const helper = /\b(__[A-Za-z]+)\b/.exec(body);
  if (helper) fail(`output references the TypeScript helper ${helper[1]}: avoid the syntax that needs it (class extends, spread, async, destructuring with rest...)`);
  const req = /\brequire\s*\(\s*(['"])([^'"]*)\1/g;
  for (let m = req.exec(body); m; m = req.exec(body)) {
    if (!ESPRUINO_BUILTIN_MODULES.includes(m[2]!)) fail(`output requires '${m[2]}': only Espruino built-ins (${ESPRUINO_BUILTIN_MODULES.join(', ')}) may be required`);
  }
  const header = `// Tripod firmware for Espruino (nRF52). Built by firmware/build.ts from ${modules.map((m) => rel(m.file)).join(', ')}. Do not edit.\n`;
  const text = header + body + '\n';
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
  writeFileSync(minFileFor(outFile), minifyForUpload(text));
  return text;
}

/** The upload artifact next to a build output: tripod.js -> tripod.min.js. */
export function minFileFor(outFile: string): string {
  return outFile.replace(/\.js$/, '') + '.min.js';
}

/**
 * The file `tripod flash` uploads (firmware/dist/tripod.min.js): the same program in one function
 * scope, `(function(){ ... })();`, so esbuild can shorten every name, top-level ones included,
 * and with whitespace removed. Nothing else changes: no syntax rewriting (statements, "jit"
 * directives and declaration order stay as built, so the Espruino subset and the JIT's rules hold
 * as for tripod.js; tests/firmware runs both files). Why: a board's Storage holds 40 KB
 * (process.env.STORAGE 40960 on the MDBT42Q and Puck.js); tripod.js pretokenised stores about 54 KB,
 * this file about 36 KB.
 */
export function minifyForUpload(text: string): string {
  const r = esbuild.transformSync('(function(){\n' + text + '\n})();\n', {
    minifyWhitespace: true,
    minifyIdentifiers: true,
    minifySyntax: false,
    target: 'es5',
    charset: 'utf8',
    legalComments: 'none',
  });
  // esbuild writes a bare `return}`; Espruino since 1v9x ends a return at `}` too, older ones only at `;`.
  // It also writes `void 0` for `undefined`; put the global back (the readable build has no `void`).
  const code = r.code.replace(/\breturn\}/g, 'return;}').replace(/\bvoid 0\b/g, 'undefined');
  return '// Tripod firmware (minified for upload from firmware/dist/tripod.js by firmware/build.ts). Do not edit.\n' + code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const text = buildFirmware(undefined, undefined, !process.argv.includes('--no-typecheck'));
    console.log(`build:firmware: wrote firmware/dist/tripod.js (${text.length} bytes) and tripod.min.js (the upload file)`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
