// Requests to a Web Worker and their answers, for the demo page and its workers: the page calls
// `client.call(type, args, onProgress)` and gets a promise of the answer; the worker's `answer()`
// runs one request at a time (training is synchronous, so a request never interleaves with
// another) and tells its progress on the way. Every promise settles: an error in the worker
// rejects the request with its message, and a worker that fails or is terminated rejects all
// that is pending.

/** A request the page gave up on (the worker was terminated): not an error to show. */
export class Stopped extends Error {
  constructor(message = "stopped") {
    super(message);
    this.name = "Stopped";
  }
}

/** The page's side: a module worker at `url` that answers requests. */
export class WorkerClient {
  #worker;
  #pending = new Map();
  #next = 0;
  #failed;

  constructor(url) {
    this.#worker = new Worker(url, { type: "module" });
    this.#worker.onmessage = ({ data }) => {
      const request = this.#pending.get(data.id);
      if (!request) return;
      if ("progress" in data) return request.onProgress?.(data.progress);
      this.#pending.delete(data.id);
      if ("error" in data) request.reject(new Error(data.error));
      else request.resolve(data.result);
    };
    // a script that does not load or throws at the top: every request, now and later, fails
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(event.message || "the worker did not start"));
    };
    this.#worker.onmessageerror = () => this.#fail(new Error("the worker sent a message that could not be read"));
  }

  /** Sends a request; resolves to its answer. `onProgress` gets what the worker tells on the way. */
  call(type, args = {}, onProgress) {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, type, args });
    });
  }

  /** Ends the worker (and whatever it is computing); pending requests reject with Stopped. */
  terminate() {
    this.#worker.terminate();
    this.#fail(new Stopped());
  }

  #fail(error) {
    this.#failed ??= error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}

/**
 * The worker's side: answers requests `{ id, type, args }` with `handlers[type](args, progress)`
 * (sync or async), one at a time in the order they came. `progress(value)` posts `{ id, progress }`,
 * the result `{ id, result }`, a thrown error `{ id, error: message }`.
 */
export function answer(handlers) {
  let queue = Promise.resolve();
  self.onmessage = ({ data: { id, type, args } }) => {
    queue = queue.then(async () => {
      try {
        const handler = handlers[type];
        if (!handler) throw new Error(`the worker has no request "${type}"`);
        const result = await handler(args, (progress) => self.postMessage({ id, progress }));
        self.postMessage({ id, result });
      } catch (error) {
        self.postMessage({ id, error: String(error?.message ?? error) });
      }
    });
  };
}
