/**
 * A benchmark suite: measures in one process, against a raw baseline in the same run where
 * the target is a ratio, and returns named figures. Targets are checked only with --check.
 */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Target and direction, if this figure has one. */
  readonly target?: { readonly value: number; readonly atLeast: boolean };
  readonly note?: string;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(opts: {
    readonly quick: boolean;
    readonly log: (line: string) => void;
    /** Another build's checkout to compare with in this process (`--against DIR`). */
    readonly against?: string;
    /** Rounds of an in-process comparison (`--rounds N`, default 3). */
    readonly rounds?: number;
  }): Promise<Figure[]>;
}
