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
