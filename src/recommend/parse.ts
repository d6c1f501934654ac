// parseInteractions(): the parser (parser.ts) over a whole text in memory (docs/design.md §13).

import { describe } from "../util/read.js";
import { checkParseOptions, type ParsedInteractions, type ParseOptions } from "./options.js";
import { Parser } from "./parser.js";

/** The text is read in pieces of this many characters when progress is reported. */
const PIECE = 1 << 20;

/**
 * Interactions from delimited text in memory: GroupLens's `u.data` (tab, no header),
 * `ratings.csv` (a header), ml-1m's `::`, or any CSV or TSV. Each line is an interaction
 * `user, item[, rating[, timestamp]]` unless `columns` says otherwise; the delimiter is detected
 * unless given, and so is a header. Fields may be quoted as RFC 4180 says (delimiters, quotes
 * doubled and line ends inside quotes); lines end with LF or CRLF; a UTF-8 BOM, blank lines and
 * a missing last line end are fine; an empty text gives no interactions.
 *
 * Ids are kept as the exact text of their field ("01" and "1" are two users; spaces count)
 * unless `idType: "number"`. Ratings and timestamps are decimal numbers (spaces around them
 * allowed). A malformed line is an Error naming its line and column (by header name, or by
 * 1-based position); `onError: "skip"` skips and counts it instead. A refused call leaves the
 * given maps as they were. For a file or a stream, {@link readInteractions} reads the same
 * formats without holding the text.
 *
 * @example
 * ```ts
 * const data = parseInteractions("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3,1260759179\n");
 * data.count;          // 2
 * data.header;         // ["userId", "movieId", "rating", "timestamp"]
 * data.items.id(1);    // "1029"
 * data.rating;         // Float32Array [2.5, 3]
 * data.timestamp;      // Float64Array [1260759144, 1260759179]
 * parseInteractions("1\t1\t5\n1\t2\tabc\n");
 * // Error: parseInteractions(): line 2, column 3 (rating): "abc" is not a number
 * ```
 */
export function parseInteractions(
  text: string,
  options: ParseOptions<number> & { readonly idType: "number" },
): ParsedInteractions<number>;
export function parseInteractions(text: string, options?: ParseOptions<string>): ParsedInteractions<string>;
export function parseInteractions(
  text: string,
  options?: ParseOptions<string | number>,
): ParsedInteractions<string | number> {
  const caller = "parseInteractions";
  if (typeof text !== "string") {
    const hint =
      ArrayBuffer.isView(text) || (text as unknown) instanceof ArrayBuffer
        ? " (bytes: use readInteractions([bytes]))"
        : "";
    throw new TypeError(`${caller}(): text must be a string${hint}, got ${describe(text)}`);
  }
  const settings = checkParseOptions(options, caller);
  const parser = new Parser<string | number>(settings, caller);
  const progress = settings.onProgress;
  let refused = true;
  try {
    if (progress === undefined) parser.push(text);
    else {
      for (let at = 0; at < text.length; at += PIECE) {
        parser.push(text.slice(at, at + PIECE));
        if (at + PIECE < text.length) progress({ bytes: at + PIECE, lines: parser.lines, totalBytes: text.length });
      }
    }
    const result = parser.end();
    progress?.({ bytes: text.length, lines: result.lines, totalBytes: text.length });
    refused = false;
    return result;
  } finally {
    parser.release(refused);
  }
}
