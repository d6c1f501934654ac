// Shared by the tests of src/recommend: results as plain data, and texts fed in chunks.
import {
  readInteractions,
  type Interactions,
  type ParsedInteractions,
  type ReadOptions,
} from "../../src/recommend/index.js";

/** Each interaction as [user id, item id, rating, timestamp?], in order. */
export function rows<Id extends string | number>(data: Interactions<Id>): (Id | number)[][] {
  return Array.from({ length: data.count }, (_, i) => {
    const row: (Id | number)[] = [data.users.id(data.user[i]), data.items.id(data.item[i]), data.rating[i]];
    if (data.timestamp) row.push(data.timestamp[i]);
    return row;
  });
}

/** Everything a parse returns, as plain data to compare. */
export function plain<Id extends string | number>(data: ParsedInteractions<Id>) {
  return {
    rows: rows(data),
    users: [...data.users],
    items: [...data.items],
    hasRatings: data.hasRatings,
    timestamps: data.timestamp !== undefined,
    skipped: data.skipped,
    duplicates: data.duplicates,
    lines: data.lines,
    delimiter: data.delimiter,
    header: data.header,
  };
}

/** The outcome of a parse: its plain result, or its error's class and message. */
export async function outcome<Id extends string | number>(
  parse: () => ParsedInteractions<Id> | Promise<ParsedInteractions<Id>>,
): Promise<ReturnType<typeof plain<Id>> | { error: string }> {
  try {
    return plain(await parse());
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

/** Reads `chunks` (strings or bytes) as a stream would give them. */
export function readChunks(chunks: (string | Uint8Array)[], options?: ReadOptions) {
  return readInteractions(chunks, options);
}

/** text cut at the given positions. */
export function cut<T extends string | Uint8Array>(text: T, at: readonly number[]): T[] {
  const pieces: T[] = [];
  let from = 0;
  for (const to of [...at, text.length]) {
    pieces.push(text.slice(from, to) as T);
    from = to;
  }
  return pieces;
}
