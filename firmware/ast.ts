/**
 * Small acorn helpers shared by the firmware build (build.ts, memory-passes.ts) and its checker
 * (tests/firmware/espruino-check.ts).
 */
import type * as acorn from 'acorn';

export type AnyNode = acorn.Node & Record<string, any>;

/** The direct child nodes of an acorn node, in no particular order. */
export function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(n)) {
    if (key === 'loc' || key === 'range') continue;
    const v = n[key];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x.type === 'string') out.push(x);
    } else if (v && typeof v === 'object' && typeof v.type === 'string') {
      out.push(v);
    }
  }
  return out;
}

/** Calls f on every node below (and including) n, with its parent. */
export function visit(n: AnyNode, f: (node: AnyNode, parent: AnyNode | null) => void, parent: AnyNode | null = null): void {
  f(n, parent);
  for (const c of children(n)) visit(c, f, n);
}

/** True when `id` (an Identifier whose parent is `p`) is a reference to a variable, not a property name or a declaration's name. */
export function isReference(id: AnyNode, p: AnyNode | null): boolean {
  if (!p) return true;
  if (p.type === 'MemberExpression' && p.property === id && !p.computed) return false;
  if (p.type === 'Property' && p.key === id && !p.computed) return false;
  if ((p.type === 'FunctionDeclaration' || p.type === 'FunctionExpression') && p.id === id) return false;
  if (p.type === 'VariableDeclarator' && p.id === id) return false;
  if ((p.type === 'FunctionDeclaration' || p.type === 'FunctionExpression') && (p.params as AnyNode[]).includes(id)) return false;
  if (p.type === 'CatchClause' && p.param === id) return false;
  if ((p.type === 'LabeledStatement' || p.type === 'BreakStatement' || p.type === 'ContinueStatement') && p.label === id) return false;
  return true;
}

/** The names a function declares for its own body: parameters, `var`s and function declarations (not those of nested functions), and a named function expression's own name. */
function functionScope(fn: AnyNode): Set<string> {
  const names = new Set<string>((fn.params as AnyNode[]).map((p) => p.name as string));
  if (fn.type === 'FunctionExpression' && fn.id) names.add(fn.id.name);
  const walk = (n: AnyNode): void => {
    if (n.type === 'FunctionDeclaration') {
      names.add(n.id.name);
      return;
    }
    if (n.type === 'FunctionExpression') return;
    if (n.type === 'VariableDeclarator') names.add(n.id.name);
    for (const c of children(n)) walk(c);
  };
  for (const s of fn.body.body as AnyNode[]) walk(s);
  return names;
}

/**
 * Calls f on every identifier below `n` that refers to a variable of the scope `n` sits in: a
 * reference (isReference) that no parameter, `var`, function or catch parameter of an enclosing
 * function (or catch block) inside `n` shadows. The build's reachability (dropUnused,
 * splitLazyGroups) uses it: a local that happens to share a top-level name is not a use of it.
 */
export function visitFreeReferences(n: AnyNode, f: (id: AnyNode) => void): void {
  const walk = (m: AnyNode, parent: AnyNode | null, shadow: Set<string>[]): void => {
    if (m.type === 'FunctionDeclaration' || m.type === 'FunctionExpression') {
      const inner = [...shadow, functionScope(m)];
      for (const s of m.body.body as AnyNode[]) walk(s, m.body, inner);
      return;
    }
    if (m.type === 'CatchClause') {
      walk(m.body, m, [...shadow, new Set([m.param.name as string])]);
      return;
    }
    if (m.type === 'Identifier' && isReference(m, parent) && !shadow.some((s) => s.has(m.name))) f(m);
    for (const c of children(m)) walk(c, m, shadow);
  };
  walk(n, null, []);
}
