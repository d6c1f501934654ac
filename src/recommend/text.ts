// What the parser reads out of a slice text[a, b) of a chunk (docs/design.md §13): a number,
// without a string per field; a copy that keeps no chunk alive; and a field as a message quotes it.

/** powers of ten exact in float64 */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * @internal The number text[a, b) writes, NaN if it is not a decimal number (Number()'s own
 * forms like "0x10", "Infinity" and "" included). Short decimals are read from the character
 * codes with one correctly rounded division; the rest by Number().
 */
export function parseNumber(text: string, a: number, b: number): number {
  let i = a,
    negative = false;
  if (i < b) {
    const c = text.charCodeAt(i);
    if (c === 45) {
      negative = true;
      i++;
    } else if (c === 43) i++;
  }
  let m = 0,
    digits = 0,
    fraction = -1;
  for (; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && fraction < 0) fraction = digits;
    else break;
  }
  if (i === b && digits > 0 && digits <= 15) {
    // m < 10^15 < 2^53 and 10^k are exact, so m / 10^k is the correctly rounded value, as Number() gives
    const x = fraction < 0 || fraction === digits ? m : m / POW10[digits - fraction];
    return negative ? -x : x;
  }
  const slice = text.slice(a, b);
  return DECIMAL.test(slice) ? Number(slice) : NaN;
}

/** @internal A field's text as a message shows it: quoted, and cut after 40 characters. */
export function quoted(text: string, a = 0, b = text.length): string {
  return b - a > 40 ? `${JSON.stringify(text.slice(a, a + 40))}...` : JSON.stringify(text.slice(a, b));
}

/**
 * @internal A copy of `text` that keeps no larger string alive. V8 makes a slice of 13
 * characters or more a view of its parent (here a whole chunk, often an external string outside
 * the heap), and a concatenation a pair of its parts: an id kept as either would keep its
 * chunks, so a file of new long ids (UUIDs) would stay in memory whole. Slicing a fresh
 * concatenation copies.
 */
export function copy(text: string): string {
  return (" " + text).slice(1);
}
