// readInteractions() in a page (docs/design.md §13): a File from <input type="file">, a Blob, a
// fetch() body as a ReadableStream, and a { path } that needs a file system the page lacks.
import { describe, expect, it } from "vitest";
import { parseInteractions, readInteractions, type Progress } from "../../src/recommend/index.js";
import { plain } from "./helpers.js";

/** A ratings.csv-like text: a header, CRLF, quoted fields with delimiters and line ends, non-ASCII ids. */
function ratingsText(lines: number): string {
  const out = ["userId,movieId,rating,timestamp"];
  for (let i = 0; i < lines; i++) {
    const movie = i % 4 === 0 ? `"m,${i % 211}\r\n\u00e9"` : `m\u{1F3AC}${i % 211}`;
    out.push(`u${i % 53},${movie},${((i % 10) + 1) / 2},${1_500_000_000 + i}`);
  }
  return out.join("\r\n") + "\r\n";
}

const text = ratingsText(30_000);
const expected = plain(parseInteractions(text));

/** A stream that gives `bytes` in pieces of `size`, as a network would. */
function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

describe("readInteractions() in the browser", () => {
  it("reads a File, telling progress with the file's size", async () => {
    const file = new File(["\uFEFF", text], "ratings.csv", { type: "text/csv" });
    const calls: Progress[] = [];
    const data = await readInteractions(file, { onProgress: (p) => calls.push(p) });
    expect(plain(data)).toEqual(expected);
    expect(calls.at(-1)).toEqual({ bytes: file.size, lines: data.lines, totalBytes: file.size });
    expect(calls.every((p) => p.totalBytes === file.size)).toBe(true);
  });

  it("reads a Blob", async () => {
    expect(plain(await readInteractions(new Blob([text])))).toEqual(expected);
  });

  it("reads a ReadableStream of bytes cut inside characters", async () => {
    const bytes = new TextEncoder().encode(text);
    for (const size of [1 << 16, 1001, 7]) {
      expect(plain(await readInteractions(streamOf(bytes, size)))).toEqual(expected);
    }
  });

  it("reads a fetch() Response's body", async () => {
    const response = new Response(new Blob([text]));
    expect(plain(await readInteractions(response.body!))).toEqual(expected);
  });

  it("cancels the stream (left open) when a line is refused", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("a,x,1\nb,y,oops\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readInteractions(stream, { delimiter: "," })).rejects.toThrow(
      'readInteractions(): line 2, column 3 (rating): "oops" is not a number',
    );
    expect(cancelled).toBe(true);
  });

  it("rejects a file path where there is no file system", async () => {
    const hasFs =
      typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
    if (hasFs) return; // (Node has one: parse.node.test.ts reads files)
    await expect(readInteractions({ path: "ratings.csv" })).rejects.toThrow(
      "readInteractions(): a file path needs a file system (node:fs), which this runtime does not have",
    );
  });
});
