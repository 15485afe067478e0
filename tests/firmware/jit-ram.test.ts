/**
 * No "jit" function lives on in the firmware (firmware/README.md "The JIT's RAM"). On a board,
 * Espruino's JIT compiles a "jit" function when its definition is evaluated and keeps the machine
 * code in the variable store for as long as the function exists; the Linux interpreters that
 * measure the firmware's memory (tests/real-espruino) have no JIT, so RAM held that way would be
 * missing from every figure. Measured with a JIT-enabled build: the read tick alone 906 bytes (70
 * variables more than interpreted), the JS read, poller and encoder 52.7 KB together (about 4,070
 * variables: more than a Puck.js has). Checked on the built firmware (tripod.js, the upload file's
 * source): every function with the "jit" directive is defined inside a loader whose group exists
 * only for the call that needs it (the idle power-down).
 */
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import { children, type AnyNode } from '../../firmware/ast.ts';
import { firmwareSource } from './harness.ts';

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
  it('finds the "jit" functions and where they are defined (the check below is not empty)', () => {
    expect(jitFunctions(firmwareSource()).map((p) => p.join(' > '))).toEqual(['loadPowerDown > hxPowerDownIfIdle']);
  });

  it('defines every "jit" function inside a transient loader', () => {
    const outside = jitFunctions(firmwareSource())
      .filter((p) => !p.slice(0, -1).some((f) => TRANSIENT.includes(f)))
      .map((p) => p.join(' > '));
    expect(outside).toEqual([]);
  });
});
