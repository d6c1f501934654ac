// readInteractions() in Node (docs/design.md §13): files by path and file: URL, Node Readables,
// progress, and memory bounded by the interactions, not the text (gigabytes streamed through).
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { IdMap, parseInteractions, readInteractions, type Progress } from "../../src/recommend/index.js";
import { plain } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "crossgrad-parse-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ratings.csv-like text of `lines` lines: CRLF, a header, quoted fields with commas and quotes, non-ASCII ids. */
function ratingsText(lines: number): string {
  const out = ["userId,movieId,rating,timestamp,tag"];
  for (let i = 0; i < lines; i++) {
    const tag = i % 3 === 0 ? `"a ""tag"", with commas"` : i % 3 === 1 ? "plain" : `"caf\u00e9\r\n\u{1F3AC}"`;
    out.push(`u${i % 97},m\u00f6vie${i % 1013},${((i % 10) + 1) / 2},${1_000_000_000 + i},${tag}`);
  }
  return out.join("\r\n") + "\r\n";
}

const text = ratingsText(50_000);
const file = join(dir, "ratings.csv");
writeFileSync(file, "\uFEFF" + text);
const expected = plain(parseInteractions(text));

describe("readInteractions() in Node", () => {
  it("reads a file by path, as parseInteractions() reads its text", async () => {
    expect(plain(await readInteractions({ path: file }))).toEqual(expected);
  });

  it("reads a file by file: URL", async () => {
    expect(plain(await readInteractions(pathToFileURL(file)))).toEqual(expected);
  });

  it("reads a Node Readable of Buffers (fs.createReadStream, small chunks)", async () => {
    expect(plain(await readInteractions(createReadStream(file, { highWaterMark: 1000 })))).toEqual(expected);
  });

  it("reads a Node Readable of strings", async () => {
    const stream = createReadStream(file, { highWaterMark: 777 }).setEncoding("utf8");
    expect(plain(await readInteractions(stream))).toEqual(expected);
  });

  it("reads Readable.from() of bytes and strings mixed", async () => {
    const encoder = new TextEncoder();
    const chunks = [encoder.encode(text.slice(0, 1000)), text.slice(1000, 2000), "", encoder.encode(text.slice(2000))];
    expect(plain(await readInteractions(Readable.from(chunks, { objectMode: true })))).toEqual(expected);
  });

  it("shares maps between a base and a test file, as GroupLens's u1.base and u1.test", async () => {
    const base = join(dir, "u1.base"),
      test = join(dir, "u1.test");
    writeFileSync(base, "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t888550871\n");
    writeFileSync(test, "1\t3\t4\t878542960\n2\t2\t2\t888551154\n");
    const train = await readInteractions({ path: base });
    const probe = await readInteractions({ path: test }, { users: train.users, items: train.items });
    expect([...train.items]).toEqual(["1", "2", "3"]);
    expect(Array.from(probe.item)).toEqual([2, 1]);
  });

  it("tells progress at most every 64 KiB, with the file's size, and once at the end", async () => {
    const calls: Progress[] = [];
    const data = await readInteractions(createReadStream(file, { highWaterMark: 4096 }), {
      onProgress: (p) => calls.push(p),
    });
    const size = statSync(file).size;
    expect(calls.at(-1)).toEqual({ bytes: size, lines: data.lines });
    for (let i = 1; i < calls.length - 1; i++)
      expect(calls[i].bytes - calls[i - 1].bytes).toBeGreaterThanOrEqual(65536);
    expect(calls.length).toBeGreaterThan(size / 65536 - 2);

    const byPath: Progress[] = [];
    await readInteractions({ path: file }, { onProgress: (p) => byPath.push(p) });
    expect(byPath.every((p) => p.totalBytes === size)).toBe(true);
    expect(byPath.at(-1)).toEqual({ bytes: size, lines: data.lines, totalBytes: size });
    expect(byPath.map((p) => p.lines)).toEqual([...byPath.map((p) => p.lines)].sort((a, b) => a - b));
  });

  it.each([
    [
      { path: join(dir, "missing.csv") },
      `readInteractions(): cannot open ${JSON.stringify(join(dir, "missing.csv"))}: ENOENT`,
    ],
    [{ path: dir }, "readInteractions(): cannot read"],
    [{ path: 3 }, "readInteractions(): source.path must be a non-empty string, got 3"],
    [
      "ratings.csv",
      'readInteractions(): source is a string: pass { path: "ratings.csv" } for a file, or call parseInteractions() for text',
    ],
    [
      new URL("https://example.org/ratings.csv"),
      "readInteractions(): source is a https: URL; fetch it and pass response.body",
    ],
    [
      42,
      "readInteractions(): source must be a Blob, a ReadableStream, an iterable of chunks, { path } or a file: URL, got number",
    ],
    [[1, 2], "readInteractions(): source gave a chunk that is number; chunks must be Uint8Arrays or strings"],
    [
      [new Uint8Array([0xff, 0x2c, 0x31, 0x0a])],
      "readInteractions(): the bytes after byte 0 (line 1) are not valid utf-8",
    ],
  ])("rejects a bad source with a message that says what to pass (%#)", async (source, message) => {
    await expect(readInteractions(source as never)).rejects.toThrow(message);
  });

  it("reads other encodings when told", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x78, 0x2c, 0x31, 0x0a]); // "café,x,1\n"
    expect([...(await readInteractions([latin1], { encoding: "latin1" })).users]).toEqual(["caf\u00e9"]);
    await expect(readInteractions([latin1], { encoding: "klingon" })).rejects.toThrow(
      'readInteractions(): options.encoding is "klingon", which TextDecoder does not know',
    );
  });

  it("closes the file and leaves the maps as they were when a line is refused", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "a,x,1\n".repeat(100_000) + "b,y,oops\n" + "c,z,1\n".repeat(100_000));
    const users = new IdMap(["q"]);
    await expect(readInteractions({ path: bad }, { users })).rejects.toThrow(
      'readInteractions(): line 100001, column 3 (rating): "oops" is not a number',
    );
    expect([...users]).toEqual(["q"]);
    // the file was closed: it can be removed and read again at once
    rmSync(bad);
  });
});

describe("readInteractions() holds the interactions, not the text", () => {
  const ID = "user-00000000-with-a-long-id-such-as-a-uuid";
  /**
   * 1 MiB of lines: the first with a long user id that `stream` makes new in every chunk, the
   * others padded with a long quoted column that no role reads (every other rating a word if
   * `bad`); and the chunk's record count.
   */
  function chunkOfLines(bad: boolean): { chunk: Uint8Array; records: number } {
    const pad = "p".repeat(1000);
    const lines = [`${ID},i0,1,0,new\n`];
    let size = lines[0].length;
    for (let k = 1; size < (1 << 20) - 1100; k++) {
      const rating = bad && k % 2 ? "bad" : String((k % 10) / 2 + 0.5);
      const line = `u${k % 37},i${k % 101},${rating},${k},"${pad}, ""quoted"" ${k}"\n`;
      lines.push(line);
      size += line.length;
    }
    // blank lines fill the chunk to 1 MiB
    return { chunk: new TextEncoder().encode(lines.join("").padEnd(1 << 20, "\n")), records: lines.length };
  }

  /** Streams the chunk `chunks` times (its first id numbered anew each time), noting the most memory in use. */
  async function stream(chunk: Uint8Array, chunks: number, options: object) {
    async function* source() {
      for (let i = 0; i < chunks; i++) {
        const digits = String(i).padStart(8, "0");
        for (let j = 0; j < 8; j++) chunk[5 + j] = digits.charCodeAt(j);
        yield chunk;
      }
    }
    let peak = 0;
    const start = performance.now();
    const data = await readInteractions(source(), {
      ...options,
      onProgress: () => {
        // external: strings and buffers outside the heap (decoded chunks are such strings)
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.external);
      },
    });
    return { data, peak, seconds: (performance.now() - start) / 1000 };
  }

  // 2 GiB (2,048 chunks of 1 MiB, about 2 million records) streams in about 5 s on a shared 2-core AMD EPYC
  it("streams 2 GiB with new long ids throughout and duplicates merged, in well under a minute and 256 MiB", async () => {
    const { chunk, records } = chunkOfLines(false);
    const { data, peak, seconds } = await stream(chunk, 2048, { duplicates: "last" });
    expect(data.count + data.duplicates).toBe(2048 * records);
    expect(data.users.size).toBe(37 + 2048);
    expect(data.users.id(38)).toBe(ID.replace("00000000", "00000001"));
    expect(data.count).toBeLessThanOrEqual(37 * 101 + 2048);
    expect(data.skipped.count).toBe(0);
    expect(peak).toBeLessThan(256 * 2 ** 20);
    expect(seconds).toBeLessThan(50);
  }, 120_000);

  it("streams 512 MiB in which every other line is skipped, keeping 10 of their reasons", async () => {
    const { chunk, records } = chunkOfLines(true);
    const { data, peak } = await stream(chunk, 512, { onError: "skip", duplicates: "first" });
    expect(data.skipped.count).toBe(512 * Math.floor(records / 2));
    expect(data.skipped.lines.length).toBe(10);
    expect(data.skipped.lines[0]).toEqual({ line: 2, reason: 'line 2, column 3 (rating): "bad" is not a number' });
    expect(data.count + data.duplicates + data.skipped.count).toBe(512 * records);
    expect(peak).toBeLessThan(256 * 2 ** 20);
  }, 120_000);
});
