import { beforeAll } from "vitest";
import { init } from "../src/wasm/init.js";
import { kernelSuite } from "./kernel-suite.js";

beforeAll(() => init({ simd: true }));
kernelSuite("simd");
