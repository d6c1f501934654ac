// The layout of a text's records, fixed by its first (docs/design.md §13, "The format, from the
// first lines"): how many fields every record has, which field holds which role (by position, or
// by name in the header), and whether the first record is a header.

import { shown } from "../util/read.js";
import { ITEM, RATING, ROLES, TIME, USER, type Settings } from "./options.js";
import { copy, parseNumber, quoted } from "./text.js";

/** @internal What the first record says of all of them. */
export interface Layout {
  /** the fields of every record */
  readonly width: number;
  /** each role's field (by USER, ITEM, RATING, TIME), -1 for none */
  readonly columns: number[];
  /** each field's role, -1 for a field that is ignored */
  readonly slotOf: Int8Array;
  /** the header's names (copies that keep no chunk alive), undefined when the first record is data */
  readonly header: string[] | undefined;
}

/**
 * @internal The layout from the first record's `fields`, on `line`: the columns as given (names
 * looked up in it), else user 0, item 1, then rating 2 and timestamp 3 if it has them; a header
 * as given, else when a field that must be a number holds a word. An Error (a RangeError for a
 * position past the width) when the columns do not fit the record.
 */
export function resolveLayout(
  fields: readonly string[],
  line: number,
  settings: Settings,
  delimiter: string | undefined,
  caller: string,
): Layout {
  const s = settings,
    width = fields.length;
  const columns = ROLES.map((role, r) => {
    const column = s.columns === undefined ? (r < 2 || r < width ? r : -1) : (s.columns[role] ?? -1);
    if (typeof column === "string") {
      const at = fields.indexOf(column);
      if (at < 0) {
        throw new Error(
          `${caller}(): options.columns.${role} is ${shown(column)}, which is not a column of the header (line ${line}: ${fields.map((f) => quoted(f)).join(", ")})`,
        );
      }
      return at;
    }
    return column;
  });
  if (width < 2 && s.columns === undefined) {
    throw new Error(
      `${caller}(): line ${line}: 1 column, but a user and an item need 2: is the delimiter ${shown(delimiter)} right?`,
    );
  }
  columns.forEach((column, r) => {
    if (column >= width) {
      throw new RangeError(
        `${caller}(): options.columns.${ROLES[r]} is ${column}, but line ${line} has ${width} ${width === 1 ? "column" : "columns"}`,
      );
    }
  });
  let header = s.header;
  if (header === undefined) {
    // a header: a field that must be a number holds a word
    const numeric = s.idType === "number" ? [USER, ITEM, RATING, TIME] : [RATING, TIME];
    header = numeric.some((r) => {
      const f = columns[r] >= 0 ? fields[columns[r]] : "";
      return f.trim() !== "" && Number.isNaN(parseNumber(f, 0, f.length));
    });
  }
  const slotOf = new Int8Array(width).fill(-1);
  columns.forEach((column, r) => void (column >= 0 && (slotOf[column] = r)));
  return { width, columns, slotOf, header: header ? fields.map(copy) : undefined };
}
