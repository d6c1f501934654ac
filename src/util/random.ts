// The project's one seeded generator (mulberry32): training's shuffling and bpr negatives,
// and the data of the tests, benchmarks and examples. A linear congruential generator's
// correlated low bits would bias what it feeds; mulberry32 passes the usual batteries and is
// a few operations a draw.

/**
 * A seeded stream of uniform [0, 1) doubles (internal: the package's index does not export it;
 * not stripped, since minibatch's declarations name it). Its state is a plain number, so a
 * model keeps it and fitPartial() continues the stream.
 */
export class Random {
  constructor(public state: number) {}

  /** The next uniform double in [0, 1). */
  next(): number {
    // (the state's 32 bits as an int32, not a uint32: V8 keeps a small integer unboxed, where a
    // uint32 above 2^31 took a new heap number every draw; the stream is the same)
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), this.state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box-Muller, one of the pair). */
  normal(): number {
    const u = 1 - this.next(),
      v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The seeded stream of uniform doubles in [0, 1) (mulberry32) that crossgrad's tests, benchmarks
 * and examples draw their data from, as a function: each call, the next one.
 *
 * @example
 * ```ts
 * const random = generator(1);
 * random(); // the same first draw on every machine and run
 * ```
 */
export function generator(seed: number): () => number {
  const random = new Random(seed >>> 0);
  return () => random.next();
}
