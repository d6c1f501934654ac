// Every test suite runs with the memory guard on (src/wasm/memory.ts): canary bytes around every
// region the memory owner hands out and poison in the memory it does not, checked after every
// kernel call and again after every test, so a write outside a region fails the test that made it.
import { afterEach } from "vitest";
import { enableMemoryGuard, verifyMemories } from "../src/wasm/memory.js";

enableMemoryGuard();
afterEach(() => verifyMemories());
