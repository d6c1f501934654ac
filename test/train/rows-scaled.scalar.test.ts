// The scalar build (hosts without wasm SIMD), forced with init({ simd: false }): vitest runs
// each test file in its own module registry, so this file loads its own module.
import { beforeAll } from "vitest";
import { init } from "../../src/wasm/init.js";
import { rowsScaledSuite } from "./rows-scaled-suite.js";

beforeAll(() => init({ simd: false }));
rowsScaledSuite("scalar");
