// Interactions in (docs/design.md §13): the formats GroupLens and CSV files come in, every option,
// chunks cut at every position, the errors of bad lines, duplicates, shared id maps, and the
// splits. Runs in every runtime: the texts are generated here.
import { describe, expect, it } from "vitest";
import {
  explicit,
  IdMap,
  implicit,
  parseInteractions,
  readInteractions,
  splitByTime,
  splitLeaveKOut,
  splitRandom,
  type Interactions,
  type ParseOptions,
} from "../../src/recommend/index.js";
import { limits } from "../../src/recommend/idmap.js";
import { generator } from "../../src/util/random.js";
import { cut, outcome, plain, readChunks, rows } from "./helpers.js";

describe("parseInteractions() reads the formats ratings come in", () => {
  it.each([
    {
      format: "GroupLens's u.data: tab-separated, no header",
      text: "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n",
      delimiter: "\t",
      header: undefined,
      rows: [
        ["196", "242", 3, 881250949],
        ["186", "302", 3, 891717742],
        ["22", "377", 1, 878887116],
      ],
    },
    {
      format: "ml-latest's ratings.csv: comma-separated with a header",
      text: "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.0,964981247\n2,318,3.5,1445714835\n",
      delimiter: ",",
      header: ["userId", "movieId", "rating", "timestamp"],
      rows: [
        ["1", "1", 4, 964982703],
        ["1", "3", 4, 964981247],
        ["2", "318", 3.5, 1445714835],
      ],
    },
    {
      format: "ml-1m's ratings.dat: '::'-separated",
      text: "1::1193::5::978300760\n1::661::3::978302109\n2::1357::5::978298709\n",
      delimiter: "::",
      header: undefined,
      rows: [
        ["1", "1193", 5, 978300760],
        ["1", "661", 3, 978302109],
        ["2", "1357", 5, 978298709],
      ],
    },
    {
      format: "semicolons, with quoted fields (Book-Crossing's style)",
      text: '"User-ID";"ISBN";"Book-Rating"\n"276725";"034545104X";"0"\n"276726";"0155061224";"5"\n',
      delimiter: ";",
      header: ["User-ID", "ISBN", "Book-Rating"],
      rows: [
        ["276725", "034545104X", 0],
        ["276726", "0155061224", 5],
      ],
    },
    {
      format: "pipes, without ratings",
      text: "alice|matrix\nbob|alien\n",
      delimiter: "|",
      header: undefined,
      rows: [
        ["alice", "matrix", 1],
        ["bob", "alien", 1],
      ],
    },
  ])("reads $format", ({ text, delimiter, header, rows: expected }) => {
    const data = parseInteractions(text);
    expect(rows(data)).toEqual(expected);
    expect(data.delimiter).toBe(delimiter);
    expect(data.header).toEqual(header);
    expect(data.count).toBe(expected.length);
    expect(data.hasRatings).toBe(expected[0][2] !== 1 || text.split("\n")[0].split(delimiter).length > 2);
  });

  it.each([
    ["LF", "a,x,1\nb,y,2\n"],
    ["CRLF", "a,x,1\r\nb,y,2\r\n"],
    ["CR alone", "a,x,1\rb,y,2\r"],
    ["no line end after the last line", "a,x,1\nb,y,2"],
    ["a UTF-8 BOM", "\uFEFFa,x,1\nb,y,2\n"],
    ["blank lines anywhere", "\n\na,x,1\n\r\n\nb,y,2\n\n\n"],
    ["quoted fields", '"a","x","1"\n"b",y,"2"\n'],
  ])("reads lines ending with %s alike", (_, text) => {
    expect(rows(parseInteractions(text))).toEqual([
      ["a", "x", 1],
      ["b", "y", 2],
    ]);
  });

  it("reads RFC 4180 quoting: delimiters, doubled quotes and line ends inside quotes", () => {
    const data = parseInteractions('"a,b","say ""hi""",3\n"multi\r\nline",x,"4.5"\n"""",",",1\n');
    expect(rows(data)).toEqual([
      ["a,b", 'say "hi"', 3],
      ["multi\r\nline", "x", 4.5],
      ['"', ",", 1],
    ]);
  });

  it("treats a quote inside an unquoted field as text", () => {
    expect(rows(parseInteractions('5" floppy,x,1\n'))).toEqual([['5" floppy', "x", 1]]);
  });

  it("counts the lines inside quotes, so later lines keep their numbers", () => {
    const data = parseInteractions('a,"1\n2\r\n3\r4",1\nb,y,2\n');
    expect(data.lines).toBe(5);
    expect(() => parseInteractions('a,"1\n2\r\n3\r4",1\nb,y,oops\n')).toThrow(
      'parseInteractions(): line 5, column 3 (rating): "oops" is not a number',
    );
  });

  it.each([
    ["an empty text", "", 0],
    ["blank lines only", "\n\r\n\n", 3],
    ["a BOM only", "\uFEFF", 0],
    ["a header only", "userId,movieId,rating\n", 1],
  ])("gives no interactions (no error) for %s", (_, text, lines) => {
    const data = parseInteractions(text);
    expect(data.count).toBe(0);
    expect(data.user).toEqual(new Uint32Array(0));
    expect(data.users.size).toBe(0);
    expect(data.lines).toBe(lines);
  });

  it("keeps ids as the exact text: '01' and '1' differ, long numbers keep every digit, spaces count", () => {
    const data = parseInteractions("01,x,1\n1,x,2\n123456789012345678901234567890,x,3\n 1,x,4\n");
    expect([...data.users]).toEqual(["01", "1", "123456789012345678901234567890", " 1"]);
  });

  it("keeps ids of any length and any characters", () => {
    const long = "u".repeat(100_000);
    const data = parseInteractions(`${long},日本語,1\ncafé,🎬,2\n`);
    expect([...data.users]).toEqual([long, "café"]);
    expect([...data.items]).toEqual(["日本語", "🎬"]);
  });

  it('reads ids as numbers with idType "number": "01" and "1" are the same id', () => {
    const data = parseInteractions("01,7,1\n1,7.0,2\n-3,1e2,3\n", { idType: "number" });
    expect([...data.users]).toEqual([1, -3]);
    expect([...data.items]).toEqual([7, 100]);
    expect(data.users.get(1)).toBe(0);
    expect(data.users.idType).toBe("number");
  });

  it("reads ratings and timestamps as decimal numbers, spaces around them allowed", () => {
    const data = parseInteractions("a,x,+4.5,1e9\nb,y, 3 ,-12\nc,z,.5,0.25\nd,w,007,12345678901234567890\n");
    expect(Array.from(data.rating)).toEqual([4.5, 3, 0.5, 7]);
    expect(Array.from(data.timestamp!)).toEqual([1e9, -12, 0.25, Number("12345678901234567890")]);
  });

  it("rounds ratings to float32 exactly as Math.fround does, and keeps timestamps in float64", () => {
    const data = parseInteractions("a,x,3.7,1700000000.123\nb,y,0.1,1\n");
    expect(data.rating[0]).toBe(Math.fround(3.7));
    expect(data.rating[1]).toBe(Math.fround(0.1));
    expect(data.timestamp![0]).toBe(1700000000.123);
  });
});

describe("parseInteractions() options", () => {
  it("uses a given delimiter, of any length", () => {
    expect(rows(parseInteractions("a||x||1\nb||y||2\n", { delimiter: "||" }))).toEqual([
      ["a", "x", 1],
      ["b", "y", 2],
    ]);
    expect(rows(parseInteractions("a x 1\n", { delimiter: " " }))).toEqual([["a", "x", 1]]);
  });

  it("detects the delimiter that splits most lines alike, so a bad line is reported as such", () => {
    expect(
      parseInteractions("1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji::Adventure\n", {
        columns: { user: 0, item: 1 },
      }).delimiter,
    ).toBe("::");
    expect(() => parseInteractions("a,x,1\nb,y,2\nc,z\n")).toThrow(
      "parseInteractions(): line 3: 2 columns, expected 3 as on line 1",
    );
  });

  it("reads columns by position, ignoring the others", () => {
    const data = parseInteractions("x,1,a,5,99\ny,2,b,4,98\n", { columns: { user: 2, item: 0, rating: 3 } });
    expect(rows(data)).toEqual([
      ["a", "x", 5],
      ["b", "y", 4],
    ]);
    expect(data.timestamp).toBeUndefined();
  });

  it("reads columns by header name, in any order", () => {
    const text = "stamp,score,movie,who\n10,4.5,m1,u1\n20,2,m2,u2\n";
    const data = parseInteractions(text, {
      columns: { user: "who", item: "movie", rating: "score", timestamp: "stamp" },
    });
    expect(rows(data)).toEqual([
      ["u1", "m1", 4.5, 10],
      ["u2", "m2", 2, 20],
    ]);
    expect(data.header).toEqual(["stamp", "score", "movie", "who"]);
  });

  it("leaves out ratings and timestamps the columns do not name: every rating is then 1", () => {
    const data = parseInteractions("1,2,5,100\n", { columns: { user: 0, item: 1 } });
    expect(data.hasRatings).toBe(false);
    expect(Array.from(data.rating)).toEqual([1]);
    expect(data.timestamp).toBeUndefined();
  });

  it.each([
    ["detects a header by a word where a number must be", "u,i,r\na,x,1\n", undefined, 1],
    ["takes the first line as data when its numbers are numbers", "a,x,1\nb,y,2\n", undefined, 2],
    ["takes the first line of two columns as data unless told", "user,item\na,x\n", undefined, 2],
    ["reads a header when told", "user,item\na,x\n", true, 1],
    ["reads the first line as data when told", "u,i\na,x\n", false, 2],
  ])("%s", (_, text, header, count) => {
    expect(parseInteractions(text, { header }).count).toBe(count);
  });

  it('detects a header of number-id files with idType "number"', () => {
    expect(parseInteractions("userId,movieId\n1,2\n", { idType: "number" }).header).toEqual(["userId", "movieId"]);
  });

  it("quotes with another character, or none", () => {
    expect(rows(parseInteractions("'a,b',x,1\n", { quote: "'" }))).toEqual([["a,b", "x", 1]]);
    expect(rows(parseInteractions('"a,x,1\n', { quote: false }))).toEqual([['"a', "x", 1]]);
  });

  it("checks ratings against ratingRange, bounds included", () => {
    expect(rows(parseInteractions("a,x,0.5\nb,y,5\n", { ratingRange: [0.5, 5] })).length).toBe(2);
    expect(() => parseInteractions("a,x,0.5\nb,y,5.5\n", { ratingRange: [0.5, 5] })).toThrow(RangeError);
    const skipped = parseInteractions("a,x,0\nb,y,5\n", { ratingRange: [0.5, 5], onError: "skip" });
    expect(skipped.count).toBe(1);
    expect(skipped.skipped.lines).toEqual([
      { line: 1, reason: "line 1, column 3 (rating): 0 is outside options.ratingRange [0.5, 5]" },
    ]);
  });

  it('skips malformed lines with onError "skip", counting them and keeping the first 10 reasons', () => {
    const bad = Array.from({ length: 12 }, (_, i) => `u${i},i,x${i}`).join("\n");
    const data = parseInteractions(`a,x,1\n${bad}\nb,y,2\n"c"z,y,1\nd,w,"3\n`, { onError: "skip" });
    expect(rows(data)).toEqual([
      ["a", "x", 1],
      ["b", "y", 2],
    ]);
    expect(data.skipped.count).toBe(14);
    expect(data.skipped.lines.length).toBe(10);
    expect(data.skipped.lines[0]).toEqual({ line: 2, reason: 'line 2, column 3 (rating): "x0" is not a number' });
    // a skipped line adds no ids
    expect([...data.users]).toEqual(["a", "b"]);
  });

  it("reports progress at the end, and along the way for long texts", () => {
    const calls: { bytes: number; lines: number; totalBytes?: number }[] = [];
    const text = "user,item,rating\n" + "abcdef,ghijkl,3\n".repeat(200_000);
    const data = parseInteractions(text, { onProgress: (p) => calls.push(p) });
    expect(data.count).toBe(200_000);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.at(-1)).toEqual({ bytes: text.length, lines: 200_001, totalBytes: text.length });
    for (let i = 1; i < calls.length; i++) {
      if (i < calls.length - 1) expect(calls[i].bytes - calls[i - 1].bytes).toBeGreaterThanOrEqual(65536);
      expect(calls[i].lines).toBeGreaterThanOrEqual(calls[i - 1].lines);
    }
  });
});

describe("parseInteractions() on bad input", () => {
  it.each([
    ["a line with too few columns", "1,2,3\n4,5\n", {}, "Error", "line 2: 2 columns, expected 3 as on line 1"],
    ["a line with too many columns", "1\t2\n3\t4\t5\n", {}, "Error", "line 2: 3 columns, expected 2 as on line 1"],
    [
      "a word for a rating",
      "user,item,rating\nu,i,abc\n",
      {},
      "Error",
      'line 2, column "rating": "abc" is not a number',
    ],
    ["an empty rating", "u,i,5\nv,j,\n", {}, "Error", 'line 2, column 3 (rating): "" is not a number'],
    ["NaN for a rating", "u,i,5\nv,j,NaN\n", {}, "Error", 'line 2, column 3 (rating): "NaN" is not a number'],
    [
      "Infinity for a rating",
      "u,i,5\nv,j,Infinity\n",
      {},
      "Error",
      'line 2, column 3 (rating): "Infinity" is not a number',
    ],
    ["hex for a rating", "u,i,5\nv,j,0x10\n", {}, "Error", 'line 2, column 3 (rating): "0x10" is not a number'],
    [
      "a rating past float64",
      "u,i,5\nv,j,1e400\n",
      {},
      "RangeError",
      'line 2, column 3 (rating): "1e400" is beyond the float64 range',
    ],
    [
      "a word for a timestamp",
      "u,i,5,1\nv,j,4,soon\n",
      {},
      "Error",
      'line 2, column 4 (timestamp): "soon" is not a number',
    ],
    ["an empty user id", "u,i,5\n,j,4\n", {}, "Error", "line 2, column 1 (user): the user id is empty"],
    ["an empty item id", "u,i,5\nv,,4\n", {}, "Error", "line 2, column 2 (item): the item id is empty"],
    ["an empty quoted id", 'u,i,5\nv,"",4\n', {}, "Error", "line 2, column 2 (item): the item id is empty"],
    [
      "an unterminated quote",
      'u,i,5\nv,j,"4\nw,k,3\n',
      {},
      "Error",
      "line 2, column 3 (rating): its quote is not closed at the end of the text",
    ],
    [
      "an unterminated quote past the header's columns",
      'u,i\na,b,"c\n',
      { header: true },
      "Error",
      "line 2, column 3: its quote is not closed at the end of the text",
    ],
    [
      "text after a closing quote",
      'u,i,5\n"v"x,j,4\n',
      {},
      "Error",
      'line 2, column 1 (user): a quoted field must end at its closing quote, but "x" follows it',
    ],
    [
      "a rating out of range",
      "u,i,6\n",
      { ratingRange: [1, 5] },
      "RangeError",
      "line 1, column 3 (rating): 6 is outside options.ratingRange [1, 5]",
    ],
    [
      "a number id that is not an integer",
      "1,2,3\n1.5,2,3\n",
      { idType: "number" },
      "Error",
      'line 2, column 1 (user): "1.5" is not an integer id from -(2^53 - 1) to 2^53 - 1 (options.idType is "number"; ids as text have no limit)',
    ],
    [
      "a number id past 2^53",
      "1,9007199254740993,3\n",
      { idType: "number" },
      "Error",
      'line 1, column 2 (item): "9007199254740993" is not an integer id',
    ],
    [
      "one column",
      "abc\n",
      { delimiter: "," },
      "Error",
      'line 1: 1 column, but a user and an item need 2: is the delimiter "," right?',
    ],
    [
      "no delimiter to detect",
      "abc\ndef\n",
      {},
      "Error",
      'could not detect the delimiter: none of tab, ",", ";", "|" and "::" splits line 1 ("abc") into 2 or more columns; pass options.delimiter',
    ],
    [
      "no delimiter on the first line that is not blank",
      '\n\r\n"a,b"\n',
      {},
      "Error",
      'could not detect the delimiter: none of tab, ",", ";", "|" and "::" splits line 3 ("\\"a,b\\"") into 2 or more columns',
    ],
    [
      "a header without a named column",
      "u,i,r\na,b,1\n",
      { columns: { user: "u", item: "i", rating: "score" } },
      "Error",
      'options.columns.rating is "score", which is not a column of the header (line 1: "u", "i", "r")',
    ],
    [
      "a column past the line's end",
      "a,b,1\n",
      { columns: { user: 0, item: 1, rating: 5 } },
      "RangeError",
      "options.columns.rating is 5, but line 1 has 3 columns",
    ],
  ] as [string, string, ParseOptions, string, string][])(
    "throws for %s, naming the line and column",
    (_, text, options, kind, message) => {
      let error: unknown;
      try {
        parseInteractions(text, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).constructor.name).toBe(kind);
      expect((error as Error).message).toContain(`parseInteractions(): ${message}`);
    },
  );

  it.each([
    [
      "text",
      () => parseInteractions(3 as unknown as string),
      TypeError,
      "parseInteractions(): text must be a string, got number",
    ],
    [
      "options",
      () => parseInteractions("", 3 as unknown as ParseOptions),
      TypeError,
      "options must be an object or undefined, got number",
    ],
    [
      "delimiter",
      () => parseInteractions("", { delimiter: 1 as unknown as string }),
      TypeError,
      "options.delimiter must be a string, got number",
    ],
    [
      "delimiter",
      () => parseInteractions("", { delimiter: "" }),
      RangeError,
      'options.delimiter must be a non-empty string without line ends or the quote, got ""',
    ],
    [
      "delimiter",
      () => parseInteractions("", { delimiter: '"' }),
      RangeError,
      "options.delimiter must be a non-empty string",
    ],
    ["quote", () => parseInteractions("", { quote: "''" }), RangeError, "options.quote must be one character"],
    [
      "header",
      () => parseInteractions("", { header: 1 as unknown as boolean }),
      TypeError,
      "options.header must be a boolean, got number",
    ],
    [
      "header",
      () => parseInteractions("", { header: false, columns: { user: "u", item: 1 } }),
      TypeError,
      "options.columns names columns, which needs a header, but options.header is false",
    ],
    [
      "columns",
      () => parseInteractions("", { columns: 1 as unknown as { user: 0; item: 1 } }),
      TypeError,
      "options.columns must be an object",
    ],
    [
      "columns",
      () => parseInteractions("", { columns: { user: 0 } as { user: 0; item: 1 } }),
      TypeError,
      "options.columns.item is missing: a item column is needed",
    ],
    [
      "columns",
      () => parseInteractions("", { columns: { user: 0, item: 0 } }),
      RangeError,
      "options.columns.user and options.columns.item are both 0",
    ],
    [
      "columns",
      () => parseInteractions("", { columns: { user: -1, item: 1 } }),
      RangeError,
      "options.columns.user must be a 0-based column position from 0 to 65535, got -1",
    ],
    [
      "idType",
      () => parseInteractions("", { idType: "int" as "number" }),
      RangeError,
      'options.idType must be "string" or "number", got "int"',
    ],
    [
      "users",
      () => parseInteractions("", { users: new Map() as unknown as IdMap }),
      TypeError,
      "options.users must be an IdMap, got Map",
    ],
    [
      "unseen",
      () => parseInteractions("", { unseen: "drop" as "skip" }),
      RangeError,
      'options.unseen must be "add", "error" or "skip", got "drop"',
    ],
    [
      "onError",
      () => parseInteractions("", { onError: "warn" as "skip" }),
      RangeError,
      'options.onError must be "error" or "skip", got "warn"',
    ],
    [
      "duplicates",
      () => parseInteractions("", { duplicates: "sum" as "keep" }),
      RangeError,
      'options.duplicates must be "keep", "first", "last", "mean" or "error", got "sum"',
    ],
    [
      "ratingRange",
      () => parseInteractions("", { ratingRange: 5 as unknown as [number, number] }),
      TypeError,
      "options.ratingRange must be an array [min, max], got number",
    ],
    [
      "ratingRange",
      () => parseInteractions("", { ratingRange: [5, 1] }),
      RangeError,
      "options.ratingRange must be [min, max] with min <= max, got [5, 1]",
    ],
    [
      "onProgress",
      () => parseInteractions("", { onProgress: 1 as unknown as () => void }),
      TypeError,
      "options.onProgress must be a function, got number",
    ],
  ])("refuses a bad %s with the error's class and a message that names it", (_, call, Kind, message) => {
    expect(call).toThrow(Kind);
    expect(call).toThrow(message);
  });

  it("never fails with a raw TypeError on odd input", () => {
    for (const text of ['"', '""', ",", ",,", "\r", '"\n"', "::", "\uFEFF\uFEFF", "a,b\n\uD800,c\n"]) {
      try {
        parseInteractions(text);
      } catch (error) {
        expect((error as Error).message).toMatch(/^parseInteractions\(\): /);
      }
    }
  });
});

describe("duplicate (user, item) pairs", () => {
  // u-a appears on lines 1, 3 and 5
  const text = "u,a,1,10\nu,b,2,20\nu,a,3,30\nv,a,4,40\nu,a,5,50\n";
  it.each([
    [
      "keep",
      0,
      [
        ["u", "a", 1, 10],
        ["u", "b", 2, 20],
        ["u", "a", 3, 30],
        ["v", "a", 4, 40],
        ["u", "a", 5, 50],
      ],
    ],
    [
      "first",
      2,
      [
        ["u", "a", 1, 10],
        ["u", "b", 2, 20],
        ["v", "a", 4, 40],
      ],
    ],
    [
      "last",
      2,
      [
        ["u", "a", 5, 50],
        ["u", "b", 2, 20],
        ["v", "a", 4, 40],
      ],
    ],
    [
      "mean",
      2,
      [
        ["u", "a", 3, 50],
        ["u", "b", 2, 20],
        ["v", "a", 4, 40],
      ],
    ],
  ] as const)('are handled as duplicates: "%s" says (%i merged)', (duplicates, merged, expected) => {
    const data = parseInteractions(text, { duplicates });
    expect(rows(data)).toEqual(expected);
    expect(data.duplicates).toBe(merged);
  });

  it('are an Error naming both lines with duplicates: "error"', () => {
    expect(() => parseInteractions(text, { duplicates: "error" })).toThrow(
      'parseInteractions(): line 3: user "u" and item "a" are on line 1 already (options.duplicates is "error")',
    );
  });

  it("are found among many pairs (the table grows)", () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`u${i % 50},i${i % 70},${(i % 5) + 1}`);
    const data = parseInteractions(lines.join("\n"), { duplicates: "last" });
    // (i mod 50, i mod 70) repeats with period lcm(50, 70) = 350
    expect(data.count).toBe(350);
    expect(data.duplicates).toBe(3000 - 350);
    expect(rows(data)[0]).toEqual(["u0", "i0", ((2800 % 5) + 1) as number]);
  });
});

describe("IdMap", () => {
  it("gives rows in first-seen order and speaks both ways", () => {
    const map = new IdMap(["b", "a", "b"]);
    expect(map.size).toBe(2);
    expect(map.get("a")).toBe(1);
    expect(map.has("c")).toBe(false);
    expect(map.get("c")).toBeUndefined();
    expect(map.id(0)).toBe("b");
    expect(map.add("c")).toBe(2);
    expect(map.add("a")).toBe(1);
    expect([...map]).toEqual(["b", "a", "c"]);
    expect(JSON.stringify(map)).toBe('["b","a","c"]');
    expect([...new IdMap(JSON.parse(JSON.stringify(map)) as string[])]).toEqual(["b", "a", "c"]);
  });

  it("holds many ids (its table grows) and finds each", () => {
    const map = new IdMap<number>();
    for (let i = 0; i < 100_000; i++) expect(map.add(i * 7919)).toBe(i);
    for (let i = 0; i < 100_000; i += 997) expect(map.get(i * 7919)).toBe(i);
    expect(map.get(-1)).toBeUndefined();
  });

  it.each([
    [
      "an id of the other kind",
      () => new IdMap(["a"]).get(1 as unknown as string),
      TypeError,
      "IdMap.get(): id must be a string (this map holds string ids), got number",
    ],
    [
      "an id that is neither",
      () => new IdMap().add(null as unknown as string),
      TypeError,
      "IdMap.add(): id must be a string or a number, got null",
    ],
    [
      "a number id past 2^53",
      () => new IdMap<number>().add(2 ** 53),
      RangeError,
      "IdMap.add(): a number id must be a safe integer",
    ],
    [
      "a row out of range",
      () => new IdMap(["a"]).id(1),
      RangeError,
      "IdMap.id(): row must be an integer row of the map (rows go from 0 to 0), got 1",
    ],
    ["a row of an empty map", () => new IdMap().id(0), RangeError, "(the map is empty), got 0"],
    [
      "ids that are not iterable",
      () => new IdMap(5 as unknown as string[]),
      TypeError,
      "IdMap(): ids must be an iterable of strings or numbers, got number",
    ],
  ])("refuses %s", (_, call, Kind, message) => {
    expect(call).toThrow(Kind);
    expect(call).toThrow(message);
  });

  it("refuses more distinct ids than rows can number (2^32 - 1; lowered here)", () => {
    const saved = limits.ids;
    limits.ids = 3;
    try {
      expect(() => parseInteractions("a,x\nb,x\nc,x\nd,x\n")).toThrow(RangeError);
      expect(() => parseInteractions("a,x\nb,x\nc,x\nd,x\n")).toThrow(
        "parseInteractions(): options.users would hold more than 3 distinct ids",
      );
      expect(() => parseInteractions("a,x\nb,x\nc,x\nd,x\n", { onError: "skip" })).toThrow(RangeError);
    } finally {
      limits.ids = saved;
    }
  });
});

describe("shared id maps across files", () => {
  const base = "1\t1\t5\n2\t2\t3\n";
  const test = "2\t1\t4\n3\t3\t2\n";

  it("give a second file (a test set) the first's rows, adding unseen ids by default", () => {
    const train = parseInteractions(base);
    const probe = parseInteractions(test, { users: train.users, items: train.items });
    expect(probe.users).toBe(train.users);
    expect(Array.from(probe.user)).toEqual([train.users.get("2"), 2]);
    expect([...train.users]).toEqual(["1", "2", "3"]);
  });

  it('refuse unseen ids with unseen: "error", leaving the maps as they were', () => {
    const train = parseInteractions(base);
    expect(() => parseInteractions(test, { users: train.users, items: train.items, unseen: "error" })).toThrow(
      'parseInteractions(): line 2: user "3" is not in options.users (options.unseen is "error")',
    );
    expect([...train.users]).toEqual(["1", "2"]);
  });

  it('skip lines with unseen ids with unseen: "skip", and say so', () => {
    const train = parseInteractions(base);
    const probe = parseInteractions(test, { users: train.users, items: train.items, unseen: "skip" });
    expect(rows(probe)).toEqual([["2", "1", 4]]);
    expect(probe.skipped.lines).toEqual([
      { line: 2, reason: 'user "3" is not in options.users (options.unseen is "skip")' },
    ]);
    expect(train.users.size).toBe(2);
    expect(train.items.size).toBe(2);
  });

  it("apply unseen only to the maps given: a new item catalogue grows while users are fixed", () => {
    const users = new IdMap(["1", "2", "3"]);
    const probe = parseInteractions(test, { users, unseen: "error" });
    expect([...probe.items]).toEqual(["1", "3"]);
  });

  it("are left as they were when a parse fails halfway", () => {
    const users = new IdMap(["x"]);
    expect(() => parseInteractions("a,b,1\nc,d,1\ne,f,oops\n", { users })).toThrow("line 3");
    expect([...users]).toEqual(["x"]);
    expect(users.get("x")).toBe(0);
    expect(users.add("a")).toBe(1);
  });

  it("may be one map for users and items alike", () => {
    const people = new IdMap<string>();
    const follows = parseInteractions("ann,bob\nbob,ann\ncat,cat\n", { users: people, items: people });
    expect([...people]).toEqual(["ann", "bob", "cat"]);
    expect(Array.from(follows.user)).toEqual([0, 1, 2]);
    expect(Array.from(follows.item)).toEqual([1, 0, 2]);
  });

  it("are filled by one read at a time", async () => {
    const users = new IdMap<string>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield "a,x,1\n";
      await gate;
      yield "b,y,2\n";
    }
    const first = readInteractions(slow(), { users });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(readInteractions(["c,z,3\n"], { users })).rejects.toThrow(
      "readInteractions(): options.users is being filled by readInteractions(); give each read its own maps",
    );
    expect(() => users.add("q")).toThrow("IdMap.add(): this map is being filled by readInteractions()");
    release();
    expect((await first).count).toBe(2);
    expect(users.add("q")).toBe(2);
  });

  it('refuse a map of strings for idType "number"', () => {
    expect(() =>
      parseInteractions("1,2\n", { users: new IdMap(["a"]) as unknown as IdMap<number>, idType: "number" }),
    ).toThrow('parseInteractions(): options.users holds string ids, but options.idType is "number"');
  });
});

// --- chunks cut anywhere --------------------------------------------------------------------

const CHUNK_TEXTS: [string, string, ParseOptions][] = [
  [
    "CRLF, quotes with delimiters, doubled quotes and line ends inside",
    'userId,movieId,rating,timestamp\r\n1,31,2.5,1260759144\r\n"1","10""29",3,1260759179\r\n\r\n2,"a,b\r\nc",4.5,1\r\n',
    { delimiter: "," },
  ],
  [
    "a BOM, '::' and multi-byte UTF-8",
    "\uFEFF1::1193::5::978300760\n1::caf\u00e9::3::9\n\u65e5::\u00e9\u00e9::4::1\n",
    { delimiter: "::" },
  ],
  ["astral characters and no last line end", "\u65e5\u672c\t\u{1F3AC}\t4\n\u{1F600}\tx\t5", { delimiter: "\t" }],
  ["lone CRs and blank lines", 'a;b\r\r\rc;"d""e"\r', { delimiter: ";" }],
  ["a quote doubled at the end of a field", 'a,"""",1\n"""x""",b,2\n', { delimiter: "," }],
  ["a multi-character delimiter cut anywhere", "a:::b::1\n::c::2\n", { delimiter: "::", onError: "skip" }],
  ["an unterminated quote at the end", 'a,b,1\nc,"d\r\n', { delimiter: ",", onError: "skip" }],
  ["text after a closing quote", 'a,b,1\n"c"x,"d\nd",2\ne,f,3\n', { delimiter: ",", onError: "skip" }],
  ["duplicates and number ids", "01,7,1\n1,7,3\n2,8,2\n", { delimiter: ",", idType: "number", duplicates: "mean" }],
];

const encoder = new TextEncoder();

describe("the parser, fed chunks cut anywhere", () => {
  describe.each(CHUNK_TEXTS)("over %s", (_, text, options) => {
    const whole = async () => outcome(() => parseInteractions(text, options));
    const detected = { ...options, delimiter: undefined };

    it("gives the whole text's result for every cut into two", async () => {
      const expected = await whole();
      for (let i = 0; i <= text.length; i++) {
        expect(await outcome(() => readChunks(cut(text, [i]), options)), `cut at ${i}`).toEqual(expected);
      }
    });

    it("gives the whole text's result for every cut into three", async () => {
      const expected = await whole();
      for (let i = 1; i < text.length; i++) {
        for (let j = i; j < text.length; j++) {
          expect(await outcome(() => readChunks(cut(text, [i, j]), options)), `cut at ${i}, ${j}`).toEqual(expected);
        }
      }
    });

    it("gives the whole text's result for bytes cut at every byte, inside characters too", async () => {
      const expected = await whole();
      const bytes = encoder.encode(text);
      for (let i = 0; i <= bytes.length; i++) {
        expect(await outcome(() => readChunks(cut(bytes, [i]), options)), `cut at byte ${i}`).toEqual(expected);
      }
    });

    it("gives the whole text's result for random chunks of 1 to 7 characters or bytes", async () => {
      const expected = await whole();
      const random = generator(17);
      const bytes = encoder.encode(text);
      for (let trial = 0; trial < 100; trial++) {
        const source: string | Uint8Array = trial % 2 ? text : bytes;
        const at: number[] = [];
        for (let k = 1 + Math.floor(random() * 7); k < source.length; k += 1 + Math.floor(random() * 7)) at.push(k);
        expect(await outcome(() => readChunks(cut(source, at) as (string | Uint8Array)[], options))).toEqual(expected);
      }
    });

    it("gives the same result with the delimiter detected", async () => {
      const expected = await whole();
      const found = await outcome(() => parseInteractions(text, detected));
      expect(found).toEqual(expected);
    });
  });

  it("gives the whole text's result past the detection sample, cut anywhere", async () => {
    const lines = ["user;item;rating"];
    for (let i = 0; i < 40; i++) lines.push(`u${i % 7};"i;${i}";${(i % 10) / 2}`);
    const text = lines.join("\r\n");
    const expected = plain(parseInteractions(text));
    expect(expected.rows.length).toBe(40);
    expect(expected.delimiter).toBe(";");
    for (let i = 0; i <= text.length; i += 3) {
      expect(plain(await readChunks(cut(text, [i, Math.min(text.length, i + 50)])))).toEqual(expected);
    }
  });

  it("gives the same bytes read from a chunk that is a string after bytes cut inside a character", async () => {
    const bytes = encoder.encode("caf\u00e9,x,1\n");
    await expect(readChunks([bytes.subarray(0, 4), "\u00e9,x,1\n"])).rejects.toThrow(
      "readInteractions(): the bytes after byte 4 (line 1) are not valid utf-8",
    );
  });
});

// --- splits ---------------------------------------------------------------------------------

/** Generated interactions: `users` users with 1 to 12 interactions each, unique (user, item) pairs, times with ties. */
function dataset(users = 40, seed = 3): Interactions {
  const random = generator(seed);
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    const count = 1 + Math.floor(random() * 12);
    for (let k = 0; k < count; k++)
      lines.push(`u${u},i${u * 100 + k},${1 + Math.floor(random() * 5)},${Math.floor(random() * 50)}`);
  }
  // shuffled, so that users' interactions interleave
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return parseInteractions(lines.join("\n"));
}

const key = (row: unknown[]) => JSON.stringify(row);
const keys = (data: Interactions) => rows(data).map(key);

/** train and test are disjoint and make up the data, each in the data's order. */
function expectPartition(data: Interactions, train: Interactions, test: Interactions): void {
  expect(train.count + test.count).toBe(data.count);
  expect([...keys(train), ...keys(test)].sort()).toEqual(keys(data).sort());
  const position = new Map(keys(data).map((k, i) => [k, i]));
  for (const side of [train, test]) {
    const at = keys(side).map((k) => position.get(k)!);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(side.users).toBe(data.users);
    expect(side.items).toBe(data.items);
    expect(side.timestamp).toBeDefined();
  }
}

describe("splits", () => {
  const data = dataset();

  it.each([0, 0.1, 0.2, 0.25, 0.5, 0.99, 1])(
    "splitRandom puts round(%f x count) interactions in test",
    (testFraction) => {
      const { train, test } = splitRandom(data, { testFraction, seed: 5 });
      expect(test.count).toBe(Math.round(testFraction * data.count));
      expectPartition(data, train, test);
    },
  );

  it("splitRandom is a function of its seed", () => {
    const a = splitRandom(data, { testFraction: 0.3, seed: 9 });
    const b = splitRandom(data, { testFraction: 0.3, seed: 9 });
    const c = splitRandom(data, { testFraction: 0.3, seed: 10 });
    expect(keys(a.test)).toEqual(keys(b.test));
    expect(keys(a.test)).not.toEqual(keys(c.test));
  });

  it("splitRandom gives the same split in every runtime (mulberry32 from the seed)", () => {
    const small = parseInteractions(Array.from({ length: 10 }, (_, i) => `u${i},i${i}`).join("\n"));
    expect([...splitRandom(small, { testFraction: 0.3, seed: 7 }).test.user].map((r) => small.users.id(r))).toEqual(
      GOLDEN_RANDOM_TEST,
    );
    expect([...splitRandom(small, { testFraction: 0.3 }).test.user].map((r) => small.users.id(r))).toEqual(
      GOLDEN_RANDOM_DEFAULT,
    );
  });

  it("splitRandom picks every interaction about equally often", () => {
    const small = parseInteractions(Array.from({ length: 10 }, (_, i) => `u${i},i${i}`).join("\n"));
    const hits = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 2000; seed++)
      for (const r of splitRandom(small, { testFraction: 0.3, seed }).test.user) hits[r]++;
    // 600 expected each; 5 standard deviations is about 100
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(100);
  });

  it.each([
    [1, 1],
    [2, 1],
    [3, 0],
    [1, 5],
  ])(
    "splitLeaveKOut with k = %i, minRemaining = %i leaves exactly k per eligible user, and the others whole in train",
    (k, minRemaining) => {
      const { train, test } = splitLeaveKOut(data, { k, minRemaining, seed: 2 });
      expectPartition(data, train, test);
      const per = (side: Interactions) => {
        const counts = new Array<number>(data.users.size).fill(0);
        for (const u of side.user) counts[u]++;
        return counts;
      };
      const all = per(data),
        inTest = per(test);
      for (let u = 0; u < data.users.size; u++) {
        expect(inTest[u], `user ${data.users.id(u)} with ${all[u]}`).toBe(all[u] >= k + minRemaining ? k : 0);
      }
      expect(inTest.some((c) => c === 0)).toBe(true);
    },
  );

  it("splitLeaveKOut is a function of its seed", () => {
    expect(keys(splitLeaveKOut(data, { k: 2, seed: 4 }).test)).toEqual(
      keys(splitLeaveKOut(data, { k: 2, seed: 4 }).test),
    );
    expect(keys(splitLeaveKOut(data, { k: 2, seed: 4 }).test)).not.toEqual(
      keys(splitLeaveKOut(data, { k: 2, seed: 5 }).test),
    );
  });

  it("splitByTime cuts at a time: ties at the cut go to test", () => {
    const timed = parseInteractions("a,x,1,1\nb,x,1,3\nc,x,1,2\nd,x,1,3\ne,x,1,4\n");
    expect(rows(splitByTime(timed, { testFraction: 0.4 }).test).map((r) => r[0])).toEqual(["b", "d", "e"]);
    expect(rows(splitByTime(timed, { testFraction: 0.2 }).test).map((r) => r[0])).toEqual(["e"]);
    expect(splitByTime(timed, { testFraction: 0 }).test.count).toBe(0);
    expect(splitByTime(timed, { testFraction: 1 }).train.count).toBe(0);
    expect(rows(splitByTime(timed, { before: 2 }).train).map((r) => r[0])).toEqual(["a"]);
  });

  it("splitByTime puts no test interaction before a train one", () => {
    const { train, test } = splitByTime(data, { testFraction: 0.3 });
    expectPartition(data, train, test);
    expect(Math.max(...train.timestamp!)).toBeLessThan(Math.min(...test.timestamp!));
    expect(test.count).toBeGreaterThanOrEqual(Math.round(0.3 * data.count));
  });

  it("implicit keeps the interactions rated at least the threshold, with weight 1", () => {
    const rated = parseInteractions("a,x,5,1\nb,y,3,2\nc,z,4,3\n");
    const liked = implicit(rated, { threshold: 4 });
    expect(rows(liked)).toEqual([
      ["a", "x", 1, 1],
      ["c", "z", 1, 3],
    ]);
    expect(liked.hasRatings).toBe(false);
    expect(liked.users).toBe(rated.users);
    expect(implicit(rated).count).toBe(3);
    expect(explicit(rated)).toBe(rated);
    expect(() => explicit(liked)).toThrow("explicit(): interactions have no ratings (hasRatings is false)");
  });

  it.each([
    [
      "splitRandom",
      () => splitRandom(data, { testFraction: 1.5 }),
      RangeError,
      "splitRandom(): options.testFraction must be a number from 0 to 1, got 1.5",
    ],
    [
      "splitRandom",
      () => splitRandom(data, { testFraction: 0.2, seed: -1 }),
      RangeError,
      "splitRandom(): options.seed must be an integer from 0 to 4294967295, got -1",
    ],
    [
      "splitRandom",
      () => splitRandom({} as Interactions, { testFraction: 0.2 }),
      TypeError,
      "splitRandom(): interactions.users must be an IdMap, got undefined",
    ],
    [
      "splitRandom",
      () => splitRandom({ ...data, count: 5 }, { testFraction: 0.2 }),
      RangeError,
      "splitRandom(): interactions.user.length must be interactions.count = 5",
    ],
    [
      "splitRandom",
      () => splitRandom({ ...data, user: new Uint32Array(data.count).fill(999) }, { testFraction: 0.2 }),
      RangeError,
      "splitRandom(): interactions.user[0] = 999 is not a row of interactions.users",
    ],
    [
      "splitRandom",
      () => splitRandom(data, undefined as unknown as { testFraction: 0 }),
      TypeError,
      "splitRandom(): options must be an object { testFraction, seed? }, got undefined",
    ],
    [
      "splitLeaveKOut",
      () => splitLeaveKOut(data, { k: 0 }),
      RangeError,
      "splitLeaveKOut(): options.k must be an integer from 1 to 4294967295, got 0",
    ],
    [
      "splitLeaveKOut",
      () => splitLeaveKOut(data, { k: 1, minRemaining: 0.5 }),
      RangeError,
      "options.minRemaining must be an integer",
    ],
    [
      "splitByTime",
      () => splitByTime(data, {} as { before: 1 }),
      TypeError,
      "splitByTime(): options must have one of testFraction and before, got neither",
    ],
    ["splitByTime", () => splitByTime(data, { before: 1, testFraction: 1 } as { before: 1 }), TypeError, "got both"],
    [
      "splitByTime",
      () => splitByTime(parseInteractions("a,b,1\n"), { before: 1 }),
      Error,
      "splitByTime(): interactions have no timestamps",
    ],
    [
      "implicit",
      () => implicit(data, { threshold: "4" as unknown as number }),
      TypeError,
      'implicit(): options.threshold must be a number, got "4"',
    ],
  ])("%s refuses bad arguments with a named error", (_, call, Kind, message) => {
    expect(call).toThrow(Kind);
    expect(call).toThrow(message);
  });
});

// computed once in Node; every runtime must draw the same
const GOLDEN_RANDOM_TEST = ["u0", "u1", "u7"];
const GOLDEN_RANDOM_DEFAULT = ["u1", "u5", "u8"];
