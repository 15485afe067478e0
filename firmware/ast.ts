/**
 * The acorn AST walking shared by the firmware build (firmware/build.ts) and the Espruino checker
 * (tests/firmware/espruino-check.ts): a node with its fields open, and its direct child nodes.
 */
import type * as acorn from 'acorn';

/* eslint-disable @typescript-eslint/no-explicit-any -- ESTree nodes are walked by field name */
export type AnyNode = acorn.Node & Record<string, any>;

/** The nodes directly inside `n` (every field holding a node or an array of nodes), in field order. */
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
