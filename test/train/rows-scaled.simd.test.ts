import { beforeAll } from "vitest";
import { init } from "../../src/wasm/init.js";
import { rowsScaledSuite } from "./rows-scaled-suite.js";

beforeAll(() => init({ simd: true }));
rowsScaledSuite("simd");
