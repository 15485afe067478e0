/**
 * Source-token counting over an ES5 AST (acorn), shared by the device-cost estimates of the
 * protocol encoder (token-cost.ts) and the whole firmware (host/bench/firmware.ts):
 * Espruino interprets by re-lexing the source, so the tokens a statement executes track its cost.
 */
import type * as AcornNs from 'acorn';

/* eslint-disable @typescript-eslint/no-explicit-any -- acorn's ESTree nodes are walked generically */
export interface TokenCounter {
  /** Tokens whose start lies in [a, b). */
  countIn(a: number, b: number): number;
  /** Tokens of a statement that are not inside its nested statements or function expressions. */
  ownTokens(n: any): number;
  /** The statements and function expressions directly nested in n (not deeper). */
  nestedOf(n: any): any[];
  isStatement(n: any): boolean;
}

export function createTokenCounter(acorn: typeof AcornNs, js: string): TokenCounter {
  const starts = [...acorn.tokenizer(js, { ecmaVersion: 5 })].map((t) => t.start);
  const countIn = (a: number, b: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (starts[m]! < a) lo = m + 1;
      else hi = m;
    }
    let n = 0;
    for (let i = lo; i < starts.length && starts[i]! < b; i++) n++;
    return n;
  };
  const isStatement = (n: any): boolean => n && typeof n.type === 'string' && (/Statement$/.test(n.type) || n.type === 'VariableDeclaration' || n.type === 'FunctionDeclaration');
  const nestedOf = (n: any): any[] => {
    const out: any[] = [];
    const visit = (x: any, top: boolean): void => {
      if (!x || typeof x !== 'object') return;
      if (Array.isArray(x)) {
        for (const y of x) visit(y, top);
        return;
      }
      if (typeof x.type !== 'string') return;
      if (!top && (isStatement(x) || x.type === 'FunctionExpression')) {
        out.push(x);
        return;
      }
      for (const k of Object.keys(x)) if (k !== 'type' && k !== 'start' && k !== 'end') visit(x[k], false);
    };
    visit(n, true);
    return out;
  };
  const ownTokens = (n: any): number => {
    let own = countIn(n.start, n.end);
    for (const c of nestedOf(n)) own -= countIn(c.start, c.end);
    return own;
  };
  return { countIn, ownTokens, nestedOf, isStatement };
}
