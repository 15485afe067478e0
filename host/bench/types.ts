/** What a bench module is (host/bench/main.ts runs each): a name and figures by dotted name. */
export type Figures = Record<string, number>;
export interface BenchModule {
  name: string;
  run(log: (line: string) => void): Promise<Figures>;
}
