/**
 * Build passes that cut what the firmware keeps in the board's RAM (firmware/README.md "Memory").
 *
 * Espruino keeps a program's function bodies in flash when it runs from Storage, but every function
 * object, parameter name, scope link and top-level variable is made of 13-byte variables in RAM
 * (a Puck.js has 2,630 of them), measured on the real interpreter (see firmware/README.md):
 * a function costs 5 variables plus one per parameter, an integer constant 2.
 *
 * 1. inlineConstants: a top-level `var NAME = <literal expression>` that nothing assigns again is
 *    written into each place that reads it, and the declaration goes (numbers, booleans, strings).
 *    foldConstants then writes each operation on numeric literals as its value (`hb[13 + 1]`, which
 *    inlining HB_LAST + 1 leaves, becomes `hb[14]`), so a named offset costs the board nothing.
 * 2. splitLazyGroups: a top-level function whose first statement is the directive "lazy" is a
 *    *loader*. The top-level declarations that only its body reaches (transitively, and that no other
 *    loader and no always-running code reaches) move inside it. Calling the loader creates them;
 *    once its result is dropped they are garbage. Code that runs rarely (commands, settings writes,
 *    the JavaScript read and encoder that run only without native code) costs RAM only while in use.
 *    A group's module-level variables live as long as one load: state that must outlive it (a
 *    cache, a counter) belongs in code that always runs.
 * 3. releaseBootOnly: a top-level function whose first statement is the directive "boot" runs only
 *    while the firmware starts (it makes the sampler, the BLE services, the streamer...). The closures
 *    it made keep its scope, not the function itself; so right after the top-level statement that
 *    starts the firmware (the last one calling a "boot" function) the pass writes `name = undefined`
 *    for each, and the function objects (5 variables plus one per parameter each) become garbage.
 *    Calling one later would throw "not a function": the emulator suites run the same built file.
 * All work on the built ES5 program (one scope) and keep statement order.
 */
import * as acorn from 'acorn';
import { children, isReference, visit, visitFreeReferences, type AnyNode } from './ast.ts';

function fail(message: string): never {
  throw new Error(`build:firmware: ${message}`);
}

/** An expression made only of literals and unary/binary operators (no identifiers). */
function literalExpression(e: AnyNode | null): boolean {
  if (!e) return false;
  if (e.type === 'Literal') return e.regex === undefined;
  if (e.type === 'UnaryExpression') return e.operator !== 'delete' && e.operator !== 'typeof' && literalExpression(e.argument);
  if (e.type === 'BinaryExpression') return literalExpression(e.left) && literalExpression(e.right);
  return false;
}

/** Names declared inside any function (params, vars, inner function names, catch params). */
function innerDeclarations(ast: AnyNode): Set<string> {
  const names = new Set<string>();
  const inFunction = (n: AnyNode): void => {
    visit(n, (m) => {
      if (m.type === 'FunctionDeclaration' || m.type === 'FunctionExpression') {
        if (m !== n && m.id) names.add(m.id.name);
        for (const p of m.params as AnyNode[]) names.add(p.name);
      }
      if (m.type === 'VariableDeclarator') names.add(m.id.name);
      if (m.type === 'CatchClause' && m.param) names.add(m.param.name);
    });
  };
  for (const st of ast.body as AnyNode[]) {
    if (st.type === 'FunctionDeclaration') inFunction(st);
    else visit(st, (m) => { if (m.type === 'FunctionExpression') inFunction(m); });
  }
  return names;
}

/** Names assigned anywhere (x = ..., x += ..., x++). */
function assignedNames(ast: AnyNode): Set<string> {
  const out = new Set<string>();
  visit(ast, (n) => {
    if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier') out.add(n.left.name);
    if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier') out.add(n.argument.name);
  });
  return out;
}

/**
 * Writes each never-reassigned top-level literal constant into the places that read it. Repeats
 * until nothing changes (a constant defined from another becomes literal once that one is inlined).
 * The declarations stay; dropUnused removes them once nothing reads them.
 */
export function inlineConstants(src: string): string {
  let text = src;
  for (let round = 0; round < 20; round++) {
    const ast = acorn.parse(text, { ecmaVersion: 5 }) as unknown as AnyNode;
    const shadowed = innerDeclarations(ast);
    const assigned = assignedNames(ast);
    const values = new Map<string, string>();
    for (const st of ast.body as AnyNode[]) {
      if (st.type !== 'VariableDeclaration') continue;
      for (const d of st.declarations as AnyNode[]) {
        const name: string = d.id.name;
        if (!literalExpression(d.init) || shadowed.has(name) || assigned.has(name)) continue;
        const raw = text.slice(d.init.start, d.init.end);
        values.set(name, d.init.type === 'Literal' ? raw : `(${raw})`);
      }
    }
    const edits: Array<{ start: number; end: number; text: string }> = [];
    visit(ast, (n, p) => {
      if (n.type !== 'Identifier' || !values.has(n.name) || !isReference(n, p)) return;
      edits.push({ start: n.start, end: n.end, text: values.get(n.name)! });
    });
    if (edits.length === 0) return text;
    for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  }
  return text;
}

/** Integer operators foldConstants evaluates (no `/`: on Espruino its result is a float even when whole). */
const FOLDED_BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '%': (a, b) => a % b,
  '|': (a, b) => a | b,
  '&': (a, b) => a & b,
  '^': (a, b) => a ^ b,
  '<<': (a, b) => a << b,
  '>>': (a, b) => a >> b,
  '>>>': (a, b) => a >>> b,
};

/** An int32 (or, for >>>, uint32) value: what Espruino keeps as an integer, so folding changes no representation. */
function foldable(v: number): boolean {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff && !Object.is(v, -0);
}

/** The value of an integer literal, -literal, ~literal or a foldable operation on them; null otherwise. */
function integerValue(e: AnyNode): number | null {
  let v: number | null = null;
  if (e.type === 'Literal') v = typeof e.value === 'number' ? e.value : null;
  else if (e.type === 'UnaryExpression' && (e.operator === '-' || e.operator === '~')) {
    const a = integerValue(e.argument);
    if (a !== null) v = e.operator === '-' ? -a : ~a;
  } else if (e.type === 'BinaryExpression' && FOLDED_BINARY[e.operator] !== undefined) {
    const a = integerValue(e.left);
    const b = integerValue(e.right);
    if (a !== null && b !== null) v = FOLDED_BINARY[e.operator]!(a, b);
  }
  return v !== null && foldable(v) ? v : null;
}

/**
 * Writes every operation on integer literals as its value: `13 + 1` -> `14`, `(1 << 3) | 1` -> `9`,
 * `2 * -3` -> `(-6)` (a negative value in parentheses, so `a-2*-3` cannot become `a--6`). Only
 * + - * % | & ^ << >> >>> on integers whose operands and result are int32 (uint32 for >>>); anything
 * else (division, floats, strings, identifiers) stays as written. Runs after inlineConstants, which
 * leaves such sums where a constant offset is read (HB_LAST + 1).
 */
export function foldConstants(src: string): string {
  const ast = acorn.parse(src, { ecmaVersion: 5 }) as unknown as AnyNode;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const walk = (n: AnyNode): void => {
    if (n.type === 'BinaryExpression') {
      const v = integerValue(n);
      if (v !== null) {
        edits.push({ start: n.start, end: n.end, text: v < 0 ? `(${v})` : String(v) });
        return;
      }
    }
    for (const c of children(n)) walk(c);
  };
  walk(ast);
  let text = src;
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return text;
}

interface TopDecl {
  stmt: AnyNode;
  names: string[];
  refs: Set<string>;
  loader: boolean;
}

/** The directive `d` in the prologue of top-level function declaration `st`, or null. */
function directiveOf(st: AnyNode, d: string): AnyNode | null {
  if (st.type !== 'FunctionDeclaration') return null;
  for (const s of st.body.body as AnyNode[]) {
    if (s.type !== 'ExpressionStatement' || typeof s.directive !== 'string') return null;
    if (s.directive === d) return s;
  }
  return null;
}

function hasDirective(st: AnyNode, d: string): boolean {
  return directiveOf(st, d) !== null;
}

function isLazyLoader(st: AnyNode): boolean {
  return hasDirective(st, 'lazy');
}

/** Loader name -> names of the declarations moved into it (for the build report and tests). */
export type LazyGroups = Map<string, string[]>;

/** Moves declarations reached only through a "lazy" loader into that loader (see the file comment). */
export function splitLazyGroups(src: string, keep: Set<string>, report?: LazyGroups): string {
  const ast = acorn.parse(src, { ecmaVersion: 5 }) as unknown as AnyNode;
  const top = new Set<string>();
  const decls: TopDecl[] = [];
  for (const st of ast.body as AnyNode[]) {
    const names: string[] = [];
    if (st.type === 'FunctionDeclaration') names.push(st.id.name);
    if (st.type === 'VariableDeclaration') for (const d of st.declarations as AnyNode[]) names.push(d.id.name);
    for (const n of names) top.add(n);
    decls.push({ stmt: st, names, refs: new Set(), loader: isLazyLoader(st) });
  }
  const owner = new Map<string, TopDecl>();
  for (const d of decls) {
    for (const n of d.names) owner.set(n, d);
    visitFreeReferences(d.stmt, (n) => {
      if (top.has(n.name) && !d.names.includes(n.name)) d.refs.add(n.name);
    });
  }
  const loaders = decls.filter((d) => d.loader);
  if (loaders.length === 0) return src;
  // Always-running code: statements that declare nothing, kept names, loaders themselves (their bodies are not followed).
  const core = new Set<TopDecl>();
  const grow = (from: TopDecl[]): void => {
    const stack = [...from];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (core.has(d)) continue;
      core.add(d);
      if (d.loader) continue;
      for (const r of d.refs) {
        const o = owner.get(r);
        if (o && !core.has(o)) stack.push(o);
      }
    }
  };
  grow(decls.filter((d) => d.names.length === 0 || d.loader || d.names.some((n) => keep.has(n))));
  let groups = new Map<TopDecl, Set<TopDecl>>();
  for (;;) {
    groups = new Map();
    const reachedBy = new Map<TopDecl, TopDecl[]>();
    for (const l of loaders) {
      const g = new Set<TopDecl>();
      const stack = [...l.refs].map((r) => owner.get(r)!).filter((o) => o && !core.has(o));
      while (stack.length > 0) {
        const d = stack.pop()!;
        if (g.has(d) || core.has(d)) continue;
        g.add(d);
        for (const r of d.refs) {
          const o = owner.get(r);
          if (o && !core.has(o) && !g.has(o)) stack.push(o);
        }
      }
      groups.set(l, g);
      for (const d of g) reachedBy.set(d, [...(reachedBy.get(d) ?? []), l]);
    }
    const shared = [...reachedBy].filter(([, ls]) => ls.length > 1).map(([d]) => d);
    if (shared.length === 0) break;
    grow(shared);
  }
  const member = new Map<TopDecl, TopDecl>();
  for (const [l, g] of groups) {
    for (const d of g) member.set(d, l);
    report?.set(l.stmt.id.name, [...g].flatMap((d) => d.names));
  }
  let out = '';
  let pos = 0;
  for (const d of decls) {
    const st = d.stmt;
    out += src.slice(pos, st.start);
    pos = st.end;
    if (member.has(d)) continue;
    if (!d.loader) {
      out += src.slice(st.start, st.end);
      continue;
    }
    const body = st.body.body as AnyNode[];
    const inner = decls.filter((x) => member.get(x) === d).map((x) => src.slice(x.stmt.start, x.stmt.end));
    // The other directives ("boot") stay first, in the prologue, before the moved declarations.
    const prologue = body.slice(1).filter((s) => s.type === 'ExpressionStatement' && typeof s.directive === 'string');
    const rest = body.slice(1 + prologue.length).map((s) => src.slice(s.start, s.end));
    const head = prologue.map((s) => src.slice(s.start, s.end));
    out += src.slice(st.start, st.body.start) + '{\n' + [...head, ...inner, ...rest].join('\n') + '\n}';
  }
  return out + src.slice(pos);
}

/**
 * Releases the "boot" functions once the firmware has started (see the file comment): drops their
 * directive and writes `a = undefined; b = undefined;` after the last top-level statement that calls
 * one of them. Returns the source unchanged when there is none, or when no top-level statement calls
 * one (a probe that uses firmware parts without starting the firmware).
 */
export function releaseBootOnly(src: string, report?: string[]): string {
  const ast = acorn.parse(src, { ecmaVersion: 5 }) as unknown as AnyNode;
  const body = ast.body as AnyNode[];
  const boot = body.filter((st) => hasDirective(st, 'boot'));
  if (boot.length === 0) return src;
  const names = new Set(boot.map((st) => st.id.name as string));
  let after: AnyNode | null = null;
  for (const st of body) {
    if (st.type === 'FunctionDeclaration') continue;
    let calls = false;
    visit(st, (n) => {
      if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && names.has(n.callee.name)) calls = true;
    });
    if (calls) after = st;
  }
  // A program that never calls one at its top level (a test probe) keeps them.
  if (after === null) return src;
  const edits: { at: number; end: number; text: string }[] = boot.map((st) => {
    const d = directiveOf(st, 'boot')!;
    return { at: d.start, end: d.end, text: '' };
  });
  edits.push({ at: after.end, end: after.end, text: '\n' + [...names].map((n) => `${n} = undefined;`).join(' ') });
  edits.sort((a, b) => b.at - a.at);
  let out = src;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  report?.push(...names);
  return out;
}
