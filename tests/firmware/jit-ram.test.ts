/**
 * No "jit" function lives on the native path (firmware/README.md "The JIT's RAM"). On a board,
 * Espruino's JIT compiles a "jit" function when its definition is evaluated and keeps the machine
 * code in the variable store for as long as the function exists; the Linux interpreters that
 * measure the firmware's memory (tests/real-espruino) have no JIT, so RAM held that way would be
 * missing from every figure. Checked on the built firmware (tripod.js, the upload file's source):
 * every function with the "jit" directive is defined inside a function that runs only on the JS
 * paths (no native code) or inside a loader whose group exists only for the call that needs it.
 * (The read tick, pollNative, was the last one: 906 bytes of machine code, 70 variables more than
 * interpreted, for as long as the firmware runs.)
 */
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import { children, type AnyNode } from '../../firmware/ast.ts';
import { firmwareSource } from './harness.ts';

/** Functions made only on the JS paths: the JS encoder's and the JS read's loaders, the sampler's JS poller. */
const JS_PATH_ONLY = ['loadJsStreamer', 'loadJsRead', 'jsPoller'];
/** Loaders called for one rare step and dropped after it (the idle power-down). */
const TRANSIENT = ['loadPowerDown'];

/** Each function with a "jit" directive, as the names of its enclosing functions, outermost first, then its own. */
function jitFunctions(source: string): string[][] {
  const found: string[][] = [];
  const walk = (n: AnyNode, path: string[]): void => {
    let inner = path;
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') {
      inner = [...path, n.id ? (n.id.name as string) : `(anonymous at ${n.start})`];
      const body = (n.body.body ?? []) as AnyNode[];
      if (body.some((s) => s.type === 'ExpressionStatement' && s.directive === 'jit')) found.push(inner);
    }
    for (const c of children(n)) walk(c, inner);
  };
  walk(acorn.parse(source, { ecmaVersion: 5, allowReturnOutsideFunction: true }) as AnyNode, []);
  return found;
}

describe('the JIT\'s RAM', () => {
  it('finds "jit" functions and where they are defined (the check below is not empty)', () => {
    const all = jitFunctions(firmwareSource());
    expect(all.map((p) => p[p.length - 1])).toEqual(expect.arrayContaining(['hxRead', 'hxPowerDownIfIdle', 'poll']));
  });

  it('defines every "jit" function inside a JS-path-only function or a transient loader', () => {
    const outside = jitFunctions(firmwareSource())
      .filter((p) => !p.slice(0, -1).some((f) => JS_PATH_ONLY.includes(f) || TRANSIENT.includes(f)))
      .map((p) => p.join(' > '));
    expect(outside).toEqual([]);
  });
});
