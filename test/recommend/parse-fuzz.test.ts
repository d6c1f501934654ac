// A property-based fuzz of the interactions parser (fast-check; docs/design.md §13):
//
// - records written in any of the formats it reads (delimiter, quoting, LF or CRLF, a BOM, a
//   header, a last line end or none), fed whole, in random string chunks or in random byte
//   chunks (cut inside characters), read back as the same records;
// - random text, mostly garbage, under random options: parseInteractions() and a chunked
//   readInteractions() agree, and each gives either interactions that hold together or an
//   Error, TypeError or RangeError whose message starts with the function's name and names a
//   line: never anything else.
//
// Fixed seeds and run counts (FUZZ_RUNS=n multiplies them and FUZZ_SEED=s changes the seed, for
// a longer search by hand).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInteractions, readInteractions, type ParseOptions } from "../../src/recommend/index.js";
import { plain } from "./helpers.js";

const env = (globalThis as { process?: { env?: Record<string, string> } }).process?.env ?? {};
const SEED = Number(env.FUZZ_SEED ?? 20261204);
const SCALE = Number(env.FUZZ_RUNS ?? 1) || 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const LIMIT = 120_000 * SCALE;

const encoder = new TextEncoder();

/** The characters ids are made of: letters, digits, every delimiter, quotes, line ends, spaces, non-ASCII. */
const idChar = fc.constantFrom(..."aZ07 .-_',;|:\t\"\r\n\\#\u00e9\u65e5".split(""), "\u{1F3AC}", "::", '""', "\r\n");
const id = fc.string({ unit: idChar, minLength: 1, maxLength: 6 });
const rating = fc.oneof(
  fc.integer({ min: 0, max: 10 }).map((x) => x / 2),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);
const timestamp = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.maxSafeInteger());

interface Written {
  readonly text: string;
  readonly options: ParseOptions;
  readonly records: (string | number)[][];
}

/** Records as one of the formats: a random delimiter, quoting, line ends, BOM, header. */
const written: fc.Arbitrary<Written> = fc
  .record({
    columns: fc.constantFrom(2, 3, 4),
    rows: fc.array(fc.tuple(id, id, rating, timestamp), { minLength: 1, maxLength: 12 }),
    delimiter: fc.constantFrom("\t", ",", ";", "|", "::", "~~"),
    quoting: fc.constantFrom("needed", "all", "random"),
    quoteSeed: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    lineEnd: fc.constantFrom("\n", "\r\n"),
    bom: fc.boolean(),
    header: fc.boolean(),
    lastLineEnd: fc.boolean(),
    blankLines: fc.boolean(),
  })
  .map(({ columns, rows, delimiter, quoting, quoteSeed, lineEnd, bom, header, lastLineEnd, blankLines }) => {
    let q = 0;
    const field = (value: string | number) => {
      const s = String(value);
      // (any character of a delimiter of two: "a:" then "::" would read as "a" then ":")
      const needed = /["\r\n]/.test(s) || [...delimiter].some((c) => s.includes(c));
      const quote = needed || quoting === "all" || (quoting === "random" && quoteSeed[q++ % 64]);
      return quote ? `"${s.replaceAll('"', '""')}"` : s;
    };
    const records = rows.map((r) => r.slice(0, columns));
    const lines = records.map((r) => r.map(field).join(delimiter));
    if (header) lines.unshift(["user", "item", "rating", "timestamp"].slice(0, columns).map(field).join(delimiter));
    if (blankLines) lines.splice(1, 0, "", "");
    const text = (bom ? "\uFEFF" : "") + lines.join(lineEnd) + (lastLineEnd ? lineEnd : "");
    // the delimiter is detected only where no unquoted field can hold another candidate
    const detect = quoting === "all" && delimiter !== "~~";
    return {
      text,
      options: { header, ...(detect ? {} : { delimiter }) },
      records: records.map(([u, i, r, t]) =>
        [u, i, r === undefined ? 1 : Math.fround(Number(String(r))), t].filter((x) => x !== undefined),
      ),
    };
  });

/** Cut points: none, or random ones. */
const cuts = fc.oneof(fc.constant([] as number[]), fc.array(fc.nat(400), { maxLength: 12 }));
const asBytes = fc.boolean();

function chunksOf(text: string, at: number[], bytes: boolean): (string | Uint8Array)[] {
  const source = bytes ? encoder.encode(text) : text;
  const points = [...new Set(at.map((p) => p % (source.length + 1)))].sort((a, b) => a - b);
  const pieces: (string | Uint8Array)[] = [];
  let from = 0;
  for (const to of [...points, source.length]) {
    pieces.push(source.slice(from, to));
    from = to;
  }
  return pieces;
}

describe("the parser, fuzzed", () => {
  it(
    "reads records written in any format back as the same records, whole or in chunks",
    { timeout: LIMIT },
    async () => {
      await fc.assert(
        fc.asyncProperty(written, cuts, asBytes, async ({ text, options, records }, at, bytes) => {
          const whole = parseInteractions(text, options);
          const rows = plain(whole).rows;
          expect(rows).toEqual(records);
          expect(whole.skipped.count).toBe(0);
          const chunked = await readInteractions(chunksOf(text, at, bytes), options);
          expect(plain(chunked)).toEqual(plain(whole));
        }),
        { seed: SEED, numRuns: runs(400) },
      );
    },
  );

  const garbageChar = fc.constantFrom(
    // (by code point: a lone surrogate is no text that bytes can carry)
    ...[...'ab1.5,,;\t|::""\r\n\n 9e-x\u00e9\u{1F3AC}\uFEFF'],
    "::",
    "1,2,3\n",
    '"a,""b"""',
  );
  const garbageOptions: fc.Arbitrary<ParseOptions> = fc.record(
    {
      delimiter: fc.constantFrom(",", "\t", "::", ";"),
      header: fc.boolean(),
      idType: fc.constantFrom("string" as const, "number" as const),
      onError: fc.constantFrom("error" as const, "skip" as const),
      duplicates: fc.constantFrom(
        "keep" as const,
        "first" as const,
        "last" as const,
        "mean" as const,
        "error" as const,
      ),
      ratingRange: fc.constant([0, 5] as [number, number]),
      columns: fc.constantFrom({ user: 0, item: 1 }, { user: 1, item: 0, rating: 2 }),
    },
    { requiredKeys: [] },
  );

  it(
    "gives interactions that hold together or a named error with a line, alike whole and in chunks",
    { timeout: LIMIT },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: garbageChar, maxLength: 60 }),
          garbageOptions,
          cuts,
          asBytes,
          async (text, options, at, bytes) => {
            const whole = await settle("parseInteractions", () => parseInteractions(text, options));
            const chunked = await settle("readInteractions", () =>
              readInteractions(chunksOf(text, at, bytes), options),
            );
            expect(chunked).toEqual(whole);
          },
        ),
        { seed: SEED + 1, numRuns: runs(3000) },
      );
    },
  );
});

/** A parse's outcome, checked: its plain result, or its error's message (without the function's name). */
async function settle(fn: string, parse: () => unknown): Promise<unknown> {
  let data: Awaited<ReturnType<typeof parseInteractions>>;
  try {
    data = (await parse()) as typeof data;
  } catch (error) {
    const problem = whatIsWrong(fn, error);
    if (problem !== undefined) throw new Error(problem, { cause: error });
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message.slice(fn.length + 4)}` };
  }
  // the result holds together
  const { count, user, item, rating, timestamp, users, items } = data;
  for (const column of [user, item, rating, timestamp ?? new Float64Array(count)]) expect(column.length).toBe(count);
  for (let i = 0; i < count; i++) {
    expect(user[i]).toBeLessThan(users.size);
    expect(item[i]).toBeLessThan(items.size);
    expect(Number.isFinite(rating[i])).toBe(true);
  }
  expect(data.skipped.lines.length).toBe(Math.min(10, data.skipped.count));
  return plain(data);
}

/** What is wrong with an error a parse threw, if anything. */
function whatIsWrong(fn: string, error: unknown): string | undefined {
  if (!(error instanceof Error)) return `${fn} threw a non-Error: ${String(error)}`;
  if (![Error, TypeError, RangeError].includes(error.constructor as ErrorConstructor))
    return `${fn} threw a ${error.constructor.name}: ${error.message}`;
  if (!error.message.startsWith(`${fn}(): `))
    return `${fn}: the message does not start with its name: ${error.message}`;
  if (!/\bline \d+\b/.test(error.message)) return `${fn}: the message names no line: ${error.message}`;
  return undefined;
}
