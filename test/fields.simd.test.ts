import { beforeAll } from "vitest";
import { init } from "../src/wasm/init.js";
import { fieldsSuite } from "./fields-suite.js";

beforeAll(() => init({ simd: true }));
fieldsSuite("simd");
