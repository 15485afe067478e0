/**
 * `npm run bench [-- --json]`: measures speed, size and memory figures. Each area adds a module to
 * BENCHES; a module returns dotted figure names with numbers. Human lines go to stdout as they come;
 * with --json the last line of output is one JSON object with every figure.
 * Timings here, never in tests: these machines are shared and noisy.
 */
import type { BenchModule, Figures } from './types.ts';

const BENCHES: Array<() => Promise<BenchModule>> = [
  async () => (await import('./host.ts')).bench,
  async () => (await import('./scoring.ts')).bench,
  async () => (await import('./protocol.ts')).bench,
  async () => (await import('./makers.ts')).bench,
  async () => (await import('./lab.ts')).bench,
  async () => (await import('../live/bench.ts')).bench,
  async () => (await import('./clinic.ts')).bench,
  async () => (await import('./firmware.ts')).bench,
  async () => (await import('./real-espruino.ts')).bench,
];

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const all: Figures = {};
  for (const load of BENCHES) {
    const bench = await load();
    if (only && bench.name !== only) continue;
    console.log(`# ${bench.name}`);
    const figures = await bench.run((line) => console.log(`  ${line}`));
    for (const [k, v] of Object.entries(figures)) {
      console.log(`  ${k} = ${v}`);
      all[k] = v;
    }
  }
  if (json) console.log(JSON.stringify(all));
}

await main();
