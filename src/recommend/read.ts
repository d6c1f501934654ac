// readInteractions(): the parser (parser.ts) over bytes or text as they arrive, from a Blob, a
// stream, an (async) iterable or, in Node, a file (docs/design.md §13). Only a chunk at a time is
// held: a streaming TextDecoder carries a character cut between chunks over to the next.

import { describe, shown } from "../util/read.js";
import { checkParseOptions, type ParsedInteractions, type ParseOptions, type Progress } from "./options.js";
import { Parser } from "./parser.js";

/** What {@link readInteractions} reads. */
export type InteractionSource =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | URL
  | { readonly path: string };

/** Options of {@link readInteractions}: those of {@link parseInteractions}, and the bytes' encoding. */
export interface ReadOptions<Id extends string | number = string> extends ParseOptions<Id> {
  /** The encoding of byte chunks, a label TextDecoder knows ["utf-8"]; invalid bytes are an Error. */
  readonly encoding?: string;
}

/** Progress is reported once at least this many more bytes were read. */
const PROGRESS_BYTES = 65536;
/** A file is read in chunks of this many bytes. */
const FILE_CHUNK = 1 << 20;

/** The part of node:fs used here (typed locally: the package has no Node types). */
interface NodeFs {
  promises: {
    open(
      path: string | URL,
      flags: string,
    ): Promise<{
      stat(): Promise<{ size: number }>;
      read(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
      close(): Promise<void>;
    }>;
  };
}

/** A source's chunks, and its size when known. */
interface Input {
  readonly chunks: AsyncIterable<unknown> | Iterable<unknown>;
  readonly totalBytes?: number;
}

/**
 * Interactions from a file or a stream, read chunk by chunk: the text is never held whole,
 * so memory grows with the interactions and distinct ids, not with the file (a 25-million-line
 * file needs its columns, not its 700 MB of text). The source is a browser `File` or `Blob`, a
 * `ReadableStream` of bytes (`response.body`), any async or sync iterable of `Uint8Array` or
 * string chunks (a Node `Readable`), or in Node a file as `{ path }` or a `file:` URL. Bytes
 * are decoded as `options.encoding` (UTF-8 by default; invalid bytes are an Error).
 *
 * Formats, options and the result are {@link parseInteractions}'s; `onProgress` is told the
 * bytes and lines read at most every 64 KiB or so (and `totalBytes`, the size of a Blob or a
 * file). Every error rejects the promise, with a message that starts with
 * `readInteractions(): `; an error of the source itself (a stream that fails) rejects it as
 * it is. A refused read leaves the given maps as they were; a map may be filled by one read at
 * a time.
 *
 * @example
 * ```ts
 * // in a page, from <input type="file">
 * const data = await readInteractions(input.files[0], { onProgress: (p) => bar.value = p.bytes / p.totalBytes });
 * // in Node
 * const train = await readInteractions({ path: "ml-100k/u1.base" });
 * const test = await readInteractions({ path: "ml-100k/u1.test" }, { users: train.users, items: train.items });
 * train.count;        // 80000
 * train.delimiter;    // "\t"
 * ```
 */
export async function readInteractions(
  source: InteractionSource,
  options: ReadOptions<number> & { readonly idType: "number" },
): Promise<ParsedInteractions<number>>;
export async function readInteractions(
  source: InteractionSource,
  options?: ReadOptions<string>,
): Promise<ParsedInteractions<string>>;
export async function readInteractions(
  source: InteractionSource,
  options?: ReadOptions<string | number>,
): Promise<ParsedInteractions<string | number>> {
  const caller = "readInteractions";
  const settings = checkParseOptions(options, caller);
  const decoder = checkEncoding(options?.encoding, caller);
  const parser = new Parser<string | number>(settings, caller);
  let bytes = 0,
    reported = 0,
    refused = true;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new Error(
        `${caller}(): the bytes after byte ${bytes} (line ${parser.lines + 1}) are not valid ${decoder.encoding}; pass options.encoding if the text has another encoding`,
      );
    }
  };
  try {
    const input = await open(source, caller);
    const onProgress = settings.onProgress,
      totalBytes = input.totalBytes;
    const report = (bytes: number, lines: number) =>
      onProgress?.(totalBytes === undefined ? { bytes, lines } : ({ bytes, lines, totalBytes } satisfies Progress));
    for await (const chunk of input.chunks) {
      if (typeof chunk === "string") {
        if (chunk === "") continue;
        parser.push(decode());
        parser.push(chunk);
        bytes += chunk.length;
      } else if (chunk instanceof Uint8Array || chunk instanceof ArrayBuffer) {
        const view = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
        parser.push(decode(view));
        bytes += view.byteLength;
      } else {
        throw new TypeError(
          `${caller}(): source gave a chunk that is ${describe(chunk)}; chunks must be Uint8Arrays or strings`,
        );
      }
      if (bytes - reported >= PROGRESS_BYTES) {
        reported = bytes;
        report(bytes, parser.lines);
      }
    }
    parser.push(decode());
    const result = parser.end();
    report(bytes, result.lines);
    refused = false;
    return result;
  } finally {
    parser.release(refused);
  }
}

function checkEncoding(encoding: unknown, caller: string): TextDecoder {
  if (encoding !== undefined && typeof encoding !== "string")
    throw new TypeError(`${caller}(): options.encoding must be a string, got ${describe(encoding)}`);
  try {
    // the BOM is the parser's to drop, so that text and bytes are read alike
    return new TextDecoder(encoding ?? "utf-8", { fatal: true, ignoreBOM: true });
  } catch {
    throw new RangeError(`${caller}(): options.encoding is ${shown(encoding)}, which TextDecoder does not know`);
  }
}

/** The chunks of a source, by its kind. */
async function open(source: unknown, caller: string): Promise<Input> {
  if (typeof source === "string") {
    throw new TypeError(
      `${caller}(): source is a string: pass { path: ${JSON.stringify(source.length > 60 ? source.slice(0, 60) + "..." : source)} } for a file, or call parseInteractions() for text`,
    );
  }
  if (typeof source !== "object" || source === null) {
    throw new TypeError(
      `${caller}(): source must be a Blob, a ReadableStream, an iterable of chunks, { path } or a file: URL, got ${describe(source)}`,
    );
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer)
    return { chunks: [source], totalBytes: source.byteLength };
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    return { chunks: fromStream(source.stream()), totalBytes: source.size };
  }
  if (typeof (source as ReadableStream).getReader === "function") {
    return { chunks: fromStream(source as ReadableStream<unknown>) };
  }
  if (source instanceof URL) {
    if (source.protocol !== "file:") {
      throw new TypeError(
        `${caller}(): source is a ${source.protocol} URL; fetch it and pass response.body, or pass a file: URL`,
      );
    }
    return openFile(source, caller);
  }
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    return { chunks: source as AsyncIterable<unknown> | Iterable<unknown> };
  }
  if ("path" in source) {
    const path = (source as { path: unknown }).path;
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`${caller}(): source.path must be a non-empty string, got ${shown(path)}`);
    }
    return openFile(path, caller);
  }
  throw new TypeError(
    `${caller}(): source must be a Blob, a ReadableStream, an iterable of chunks, { path } or a file: URL, got ${describe(source)}`,
  );
}

/** A ReadableStream's chunks; a read stopped early cancels the stream (a file is closed). */
async function* fromStream(stream: ReadableStream<unknown>): AsyncGenerator<unknown> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** A file's chunks in Node (and Deno, Bun), read into one buffer in turn; the file is closed at the end. */
async function openFile(path: string | URL, caller: string): Promise<Input> {
  // the specifier is computed, so that bundlers leave node:fs alone
  const specifier = "node:fs";
  let fs: NodeFs;
  try {
    fs = (await import(/* @vite-ignore */ specifier)) as NodeFs;
  } catch {
    throw new Error(
      `${caller}(): a file path needs a file system (node:fs), which this runtime does not have; pass a File, a Blob or a ReadableStream`,
    );
  }
  const name = typeof path === "string" ? JSON.stringify(path) : path.href;
  let file: Awaited<ReturnType<NodeFs["promises"]["open"]>>, size: number;
  try {
    file = await fs.promises.open(path, "r");
  } catch (error) {
    throw new Error(`${caller}(): cannot open ${name}: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
  try {
    size = (await file.stat()).size;
  } catch (error) {
    await file.close().catch(() => undefined);
    throw new Error(`${caller}(): cannot read ${name}: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    // one buffer, read into again for each chunk: the decoder copies what it needs out of it
    const buffer = new Uint8Array(FILE_CHUNK);
    try {
      for (;;) {
        let read: number;
        try {
          read = (await file.read(buffer, 0, buffer.length, null)).bytesRead;
        } catch (error) {
          throw new Error(`${caller}(): cannot read ${name}: ${(error as Error)?.message ?? String(error)}`, {
            cause: error,
          });
        }
        if (read === 0) return;
        yield buffer.subarray(0, read);
      }
    } finally {
      await file.close().catch(() => undefined);
    }
  }
  return { chunks: chunks(), totalBytes: size };
}
