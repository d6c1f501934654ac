// The delimiter, detected from the first lines of a text when options.delimiter is not given
// (docs/design.md §13, "The format, from the first lines"). The parser holds this much text, then
// asks detectDelimiter() once, before the first field is scanned.

import { quoted } from "./text.js";

/** @internal Enough text to detect the delimiter from: this many line ends, or this many characters. */
export const SNIFF_LINES = 20,
  SNIFF_CHARS = 65536;
/** The candidates, in the order that breaks ties. */
const CANDIDATES = ["\t", ",", ";", "|", "::"];
const LF = 10,
  CR = 13;

/**
 * @internal The delimiter from a sample's first lines (all of the input when `complete`): of
 * those that split the first line into 2 columns or more, the one that splits the most lines into
 * as many columns as the first, then the one that makes the most columns, then the first of
 * tab, ",", ";", "|", "::". A later line that disagrees is then the parser's to report.
 * Undefined when the sample has only blank lines (none is needed, and none matches); an Error
 * when no candidate splits the first line. `quote` is the quote's character code, -1 for none.
 */
export function detectDelimiter(sample: string, complete: boolean, quote: number, caller: string): string | undefined {
  let best: string | undefined,
    bestLines = 0,
    bestColumns = 0,
    anyLine = false;
  for (const candidate of CANDIDATES) {
    const counts = fieldCounts(sample, candidate, quote, SNIFF_LINES, complete);
    if (counts.length > 0) anyLine = true;
    if (counts.length === 0 || counts[0] < 2) continue;
    const lines = counts.filter((c) => c === counts[0]).length;
    if (lines > bestLines || (lines === bestLines && counts[0] > bestColumns)) {
      best = candidate;
      bestLines = lines;
      bestColumns = counts[0];
    }
  }
  if (best !== undefined || !anyLine) return best;
  // the first line that is not blank, for the message
  const lines = sample.split(/\r\n|\r|\n/),
    first = lines.findIndex((line) => line !== "");
  throw new Error(
    `${caller}(): could not detect the delimiter: none of tab, ",", ";", "|" and "::" splits line ${first + 1} (${quoted(lines[first])}) into 2 or more columns; pass options.delimiter`,
  );
}

/**
 * The first `max` records' field counts under `delimiter` (blank lines left out; -1 for a line
 * that would be malformed under it, with text after a closing quote), for detection.
 */
function fieldCounts(text: string, delimiter: string, quote: number, max: number, complete: boolean): number[] {
  const counts: number[] = [],
    n = text.length,
    d0 = delimiter.charCodeAt(0);
  let i = 0;
  while (i < n && counts.length < max) {
    let fields = 1,
      atStart = true,
      closed = false,
      malformed = false,
      empty = true,
      ended = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === LF || c === CR) {
        i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        ended = true;
        break;
      }
      empty = false;
      if (c === quote && atStart) {
        // a quoted field, to its closing quote ("" inside is a quote)
        for (i++; i < n; i++) {
          if (text.charCodeAt(i) !== quote) continue;
          if (text.charCodeAt(i + 1) !== quote) break;
          i++;
        }
        i++;
        atStart = false;
        closed = true;
      } else if (c === d0 && text.startsWith(delimiter, i)) {
        fields++;
        i += delimiter.length;
        atStart = true;
        closed = false;
      } else {
        malformed ||= closed;
        atStart = false;
        i++;
      }
    }
    // the last line counts only if the input ends with it, or if it is the only one
    if (!empty && (ended || complete || counts.length === 0)) counts.push(malformed ? -1 : fields);
  }
  return counts;
}
