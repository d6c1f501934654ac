// The options of a parse (parseInteractions, readInteractions; docs/design.md §13): their types,
// the result's, and the checks that turn what a caller passed into Settings with the defaults
// filled in, before any text is read (docs/design.md §7).

import { describe, shown } from "../util/read.js";
import { describeNotMap, IdMap, type IdType } from "./idmap.js";
import type { Interactions } from "./interactions.js";

/** Which columns hold what: 0-based positions, or names from the header line. */
export interface Columns {
  readonly user: number | string;
  readonly item: number | string;
  /** absent: no ratings (every rating is 1) */
  readonly rating?: number | string;
  /** absent: no timestamps */
  readonly timestamp?: number | string;
}

/** What `onProgress` is told. */
export interface Progress {
  /** bytes read so far (characters, when the input is text) */
  readonly bytes: number;
  /** lines read so far */
  readonly lines: number;
  /** the input's size in bytes, when known (a Blob's size, a file's) */
  readonly totalBytes?: number;
}

/** Options of {@link parseInteractions} and {@link readInteractions}. */
export interface ParseOptions<Id extends string | number = string> {
  /**
   * The string between columns; default: detected from the first 20 lines among tab, ",",
   * ";", "|" and "::", as the one that splits every line into the same number (at least 2) of
   * columns, the most columns if several do.
   */
  readonly delimiter?: string;
  /** The quote character, or false for none [`"`]. */
  readonly quote?: string | false;
  /**
   * Whether the first line names the columns. Default: true when `columns` names columns;
   * otherwise true when a field of the first line that must be a number (the rating, the
   * timestamp, and ids with idType "number") holds text that is not one, like "rating".
   */
  readonly header?: boolean;
  /**
   * The columns to read, by 0-based position or header name. Default: user 0, item 1, then
   * rating 2 and timestamp 3 if lines have that many columns; other columns are ignored.
   */
  readonly columns?: Columns;
  /** "string" [default]: ids are the text as written; "number": safe integers ("01" is 1). */
  readonly idType?: IdType;
  /** The users' map to fill (and share with other parses); default: a new one. */
  readonly users?: IdMap<Id>;
  /** The items' map to fill; default: a new one. */
  readonly items?: IdMap<Id>;
  /**
   * What an id that `users` or `items` (given) does not hold does: "add" [default] appends it
   * (the given map grows, rows never change), "error" throws, "skip" skips the line.
   */
  readonly unseen?: "add" | "error" | "skip";
  /** A malformed line throws ("error", the default), or is counted and left out ("skip"). */
  readonly onError?: "error" | "skip";
  /**
   * A (user, item) pair seen again: "keep" [default] keeps every line as an interaction (as
   * Surprise does; the cheapest: nothing is looked up), "first" keeps the first, "last" the
   * first's place with the last's rating and timestamp, "mean" the mean rating (and the last
   * timestamp), "error" throws.
   */
  readonly duplicates?: "keep" | "first" | "last" | "mean" | "error";
  /** The allowed ratings, bounds included: a rating outside is a RangeError (or skipped). */
  readonly ratingRange?: readonly [number, number];
  /** Told how far the parse is, at most every 64 KiB or so, and once at the end. */
  readonly onProgress?: (progress: Progress) => void;
}

/** A line left out by `onError: "skip"` or `unseen: "skip"`. */
export interface SkippedLine {
  /** its 1-based line number (where its record starts) */
  readonly line: number;
  /** why, as an error would have said it */
  readonly reason: string;
}

/** Parsed interactions, and what the parse saw. */
export interface ParsedInteractions<Id extends string | number = string> extends Interactions<Id> {
  /** how many lines were left out, and the first 10 of them */
  readonly skipped: { readonly count: number; readonly lines: readonly SkippedLine[] };
  /** how many lines repeated a (user, item) pair and were merged into it (0 with duplicates "keep") */
  readonly duplicates: number;
  /** how many lines the text has */
  readonly lines: number;
  /** the delimiter, given or detected (undefined when the text has no line to detect it from) */
  readonly delimiter: string | undefined;
  /** the header's column names, when the text has a header */
  readonly header: readonly string[] | undefined;
}

/** @internal Options after checking, with their defaults. */
export interface Settings {
  readonly delimiter: string | undefined;
  readonly quote: string;
  readonly header: boolean | undefined;
  readonly columns: Columns | undefined;
  readonly idType: IdType;
  readonly users: IdMap<string | number>;
  readonly items: IdMap<string | number>;
  /** whether unseen ids join each map */
  readonly addUsers: boolean;
  readonly addItems: boolean;
  readonly unseen: "add" | "error" | "skip";
  readonly skipErrors: boolean;
  readonly duplicates: Duplicates;
  readonly ratingRange: readonly [number, number] | undefined;
  readonly onProgress: ((progress: Progress) => void) | undefined;
}

/** @internal What a (user, item) pair seen again does (ParseOptions.duplicates). */
export type Duplicates = "keep" | "first" | "last" | "mean" | "error";

/** @internal The roles of columns, in the order of their indices below. */
export const ROLES = ["user", "item", "rating", "timestamp"] as const;
/** @internal A role's index (into ROLES, and into per-role arrays). */
export const USER = 0,
  ITEM = 1,
  RATING = 2,
  TIME = 3;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, caller: string): T | undefined {
  if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
  const list = allowed.map((a) => `"${a}"`);
  throw new RangeError(
    `${caller}(): ${name} must be ${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}, got ${shown(value)}`,
  );
}

/** @internal Checks the options of a parse (TypeError for types, RangeError for values) and fills in defaults. */
export function checkParseOptions(options: unknown, caller: string): Settings {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`${caller}(): options must be an object or undefined, got ${describe(options)}`);
  }
  const o = (options ?? {}) as Partial<Record<keyof ParseOptions | "encoding", unknown>>;
  let quote = '"';
  if (o.quote === false) quote = "";
  else if (o.quote !== undefined) {
    if (typeof o.quote !== "string")
      throw new TypeError(`${caller}(): options.quote must be a string or false, got ${describe(o.quote)}`);
    if (o.quote.length !== 1 || o.quote === "\n" || o.quote === "\r") {
      throw new RangeError(`${caller}(): options.quote must be one character, not a line end, got ${shown(o.quote)}`);
    }
    quote = o.quote;
  }
  const delimiter = o.delimiter;
  if (delimiter !== undefined) {
    if (typeof delimiter !== "string")
      throw new TypeError(`${caller}(): options.delimiter must be a string, got ${describe(delimiter)}`);
    if (delimiter === "" || /[\r\n]/.test(delimiter) || (quote !== "" && delimiter.includes(quote))) {
      throw new RangeError(
        `${caller}(): options.delimiter must be a non-empty string without line ends or the quote, got ${shown(delimiter)}`,
      );
    }
  }
  if (o.header !== undefined && typeof o.header !== "boolean")
    throw new TypeError(`${caller}(): options.header must be a boolean, got ${describe(o.header)}`);
  const columns = checkColumns(o.columns, caller);
  const named = columns !== undefined && ROLES.some((role) => typeof columns[role] === "string");
  if (named && o.header === false) {
    throw new TypeError(
      `${caller}(): options.columns names columns, which needs a header, but options.header is false`,
    );
  }
  const idType = oneOf<IdType>(o.idType, ["string", "number"], "options.idType", caller) ?? "string";
  for (const name of ["users", "items"] as const) {
    if (o[name] !== undefined && !IdMap.isMap(o[name]))
      throw new TypeError(`${caller}(): options.${name} must be an IdMap, got ${describeNotMap(o[name])}`);
  }
  const unseen = oneOf(o.unseen, ["add", "error", "skip"] as const, "options.unseen", caller) ?? "add";
  const onError = oneOf(o.onError, ["error", "skip"] as const, "options.onError", caller) ?? "error";
  const duplicates =
    oneOf(o.duplicates, ["keep", "first", "last", "mean", "error"] as const, "options.duplicates", caller) ?? "keep";
  let ratingRange: readonly [number, number] | undefined;
  if (o.ratingRange !== undefined) {
    const r = o.ratingRange;
    if (!Array.isArray(r) || r.length !== 2)
      throw new TypeError(`${caller}(): options.ratingRange must be an array [min, max], got ${describe(r)}`);
    if (
      typeof r[0] !== "number" ||
      typeof r[1] !== "number" ||
      Number.isNaN(r[0]) ||
      Number.isNaN(r[1]) ||
      r[0] > r[1]
    ) {
      throw new RangeError(
        `${caller}(): options.ratingRange must be [min, max] with min <= max, got [${shown(r[0])}, ${shown(r[1])}]`,
      );
    }
    ratingRange = [r[0], r[1]];
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function")
    throw new TypeError(`${caller}(): options.onProgress must be a function, got ${describe(o.onProgress)}`);
  const users = (o.users as IdMap<string | number> | undefined) ?? new IdMap<string | number>();
  const items = (o.items as IdMap<string | number> | undefined) ?? new IdMap<string | number>();
  return {
    delimiter,
    quote,
    header: named ? true : (o.header as boolean | undefined),
    columns,
    idType,
    users,
    items,
    addUsers: o.users === undefined || unseen === "add",
    addItems: o.items === undefined || unseen === "add",
    unseen,
    skipErrors: onError === "skip",
    duplicates,
    ratingRange,
    onProgress: o.onProgress as Settings["onProgress"],
  };
}

function checkColumns(value: unknown, caller: string): Columns | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${caller}(): options.columns must be an object { user, item, rating?, timestamp? }, got ${describe(value)}`,
    );
  }
  const c = value as Record<string, unknown>;
  const positions = new Map<unknown, string>();
  for (const role of ROLES) {
    const column = c[role];
    const name = `options.columns.${role}`;
    if (column === undefined) {
      if (role === "user" || role === "item")
        throw new TypeError(`${caller}(): ${name} is missing: a ${role} column is needed`);
      continue;
    }
    if (typeof column === "number") {
      if (!Number.isInteger(column) || column < 0 || column > 0xffff) {
        throw new RangeError(
          `${caller}(): ${name} must be a 0-based column position from 0 to 65535, got ${shown(column)}`,
        );
      }
    } else if (typeof column !== "string" || column === "") {
      throw new TypeError(`${caller}(): ${name} must be a column position or a header name, got ${shown(column)}`);
    }
    const other = positions.get(column);
    if (other !== undefined) {
      throw new RangeError(
        `${caller}(): options.columns.${other} and ${name} are both ${shown(column)}: each role needs its own column`,
      );
    }
    positions.set(column, role);
  }
  return c as unknown as Columns;
}
