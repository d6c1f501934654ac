// Which objects are thread pools, for the layers above that take a pool without loading its
// code: a page that never creates a pool does not download the workers' machinery (8 KiB
// gzipped of crossgrad/recommend).

const pools = new WeakSet<object>();

/** Called by each pool as it is made. */
export function markThreadPool(pool: object): void {
  pools.add(pool);
}

/** Whether `value` is a pool that createThreadPool() made (never a look-alike). */
export function isThreadPool(value: unknown): boolean {
  return typeof value === "object" && value !== null && pools.has(value);
}
