// An idle thread pool keeps no Node process alive: a script that computes with a pool and
// never terminates it still exits. Node only (it runs a child process).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("an idle thread pool", () => {
  it("does not keep the Node process alive", () => {
    const script = `
      import { createThreadPool } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const pool = await createThreadPool({ threads: 2 });
      const p = pool.createProblem({ n: 40000, m: 40000, k: 4 });
      p.h.fill(1);
      p.phi.fill(1);
      console.log(await p.value());`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(String(40000 * 40000 * 4));
  });
});
