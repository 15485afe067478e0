/**
 * Fixed-size columnar ring buffer for the live views: memory is allocated once, pushing is O(1),
 * and `ordered()` copies the columns oldest-first into preallocated arrays (no garbage per frame
 * beyond the subarray views). Holes (absent CoP) are stored as NaN.
 */
export class ColumnRing {
  readonly capacity: number;
  private readonly cols: Float64Array[];
  private readonly outs: Float64Array[];
  private head = 0;
  private size = 0;

  constructor(columns: number, capacity: number) {
    this.capacity = capacity;
    this.cols = Array.from({ length: columns }, () => new Float64Array(capacity));
    this.outs = Array.from({ length: columns }, () => new Float64Array(capacity));
  }

  get length(): number {
    return this.size;
  }

  /** Appends one row; `values[c]` goes to column c. */
  push(values: ArrayLike<number>): void {
    for (let c = 0; c < this.cols.length; c++) this.cols[c]![this.head] = values[c] ?? NaN;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Last value of column c (NaN when empty). */
  last(c: number): number {
    if (this.size === 0) return NaN;
    return this.cols[c]![(this.head - 1 + this.capacity) % this.capacity]!;
  }

  /** Value of column c, row k counted from the oldest (0 .. length-1). */
  at(c: number, k: number): number {
    const start = (this.head - this.size + this.capacity) % this.capacity;
    return this.cols[c]![(start + k) % this.capacity]!;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  /** The columns oldest-first, as views of length `length` over preallocated arrays. */
  ordered(): Float64Array[] {
    const start = (this.head - this.size + this.capacity) % this.capacity;
    const firstPart = Math.min(this.size, this.capacity - start);
    return this.cols.map((col, c) => {
      const out = this.outs[c]!;
      out.set(col.subarray(start, start + firstPart), 0);
      if (firstPart < this.size) out.set(col.subarray(0, this.size - firstPart), firstPart);
      return out.subarray(0, this.size);
    });
  }
}
