// The benchmark chart (bench/report.js svgChart), as the README and the demo page show it: a
// reader who cannot tell its colours apart can still tell its 14 series apart, by marker and
// dash. Portable: runs in Node and in the browser.
import { describe, expect, it } from "vitest";
import { cpuSlug, PALETTE, seriesStyle, svgChart } from "../bench/report.js";
import { timeInterleaved } from "../bench/interleave.js";
import { parseSizes } from "../bench/suite.js";

const NAMES = [
  "crossgrad SIMD, Problem",
  "crossgrad SIMD, copying",
  "crossgrad scalar, Problem",
  "crossgrad SIMD, 2 threads",
  "crossgrad sparse 1%, Problem",
  "plain JS, factored",
  "plain JS, literal double sum",
  "TF.js wasm, tensors resident",
  "TF.js cpu, tensors resident",
  "TF.js wasm, from arrays",
  "TF.js cpu, from arrays",
  "roofline: copy (n+m)k floats",
  "roofline: read (n+m)k floats",
  "roofline: memory.copy",
];

function results() {
  return {
    sizes: [256, 1024, 4096].map((n) => ({
      n,
      m: n,
      k: 64,
      results: NAMES.map((name, i) => ({
        name,
        group: name.startsWith("roofline") ? "roofline" : "F + dF/dphi",
        ms: (0.01 * (i + 1) * n) / 256,
        bytes: n * 64 * 8,
      })),
    })),
  };
}

describe("the benchmark chart", () => {
  const svg = svgChart(results(), { title: "time per call" });
  const series = [...svg.matchAll(/<g class="series" data-series="([^"]*)" data-marker="(\w+)">([^]*?)<\/g>/g)].map(
    ([, name, marker, body]) => ({
      name,
      marker,
      color: body.match(/<polyline[^>]*stroke="([^"]*)"/)![1],
      dash: body.match(/<polyline[^>]*>/)![0].match(/stroke-dasharray="([^"]*)"/)?.[1] ?? "",
      points: body.match(/points="([^"]*)"/)![1].split(" ").length,
    }),
  );

  it("draws every series with a point at every size", () => {
    expect(series.map((s) => s.name)).toEqual(NAMES);
    for (const s of series) expect(s.points).toBe(3);
  });

  it("gives no two series the same marker and dash, so colour is never the only difference", () => {
    const looks = series.map((s) => `${s.marker} ${s.dash}`);
    expect(new Set(looks).size).toBe(series.length);
    for (let i = 0; i < 15; i++) for (let j = 0; j < i; j++) expect(seriesStyle(i)).not.toEqual(seriesStyle(j));
  });

  it("takes its colours from the colour-blind-safe palette, never two near-identical ones", () => {
    for (const s of series) expect(PALETTE).toContain(s.color);
    // distinct colours: CIE76 difference in L*a*b* of at least 25 between any two (the old
    // palette had #e67700 and #f08c00 at 8)
    for (let i = 0; i < PALETTE.length; i++)
      for (let j = 0; j < i; j++)
        expect(deltaE(PALETTE[i], PALETTE[j]), `${PALETTE[i]} ${PALETTE[j]}`).toBeGreaterThan(25);
    expect(deltaE("#e67700", "#f08c00")).toBeLessThan(25);
  });

  it("shows each series' marker and dash in the legend, and a title for screen readers", () => {
    expect(svg).toMatch(/<svg[^>]*role="img"><title>time per call<\/title>/);
    for (const name of NAMES) expect(svg).toContain(`>${name}</text>`);
    // the legend: outside the series' groups, a line per series in its colour, dash and width
    const legend = svg.replace(/<g class="series"[^]*?<\/g>/g, "");
    const lines = [
      ...legend.matchAll(/<line [^>]*stroke="([^"]*)" stroke-width="[^"]*"(?: stroke-dasharray="([^"]*)")?\/>/g),
    ];
    expect(lines.map(([, color, dash]) => `${color} ${dash ?? ""}`)).toEqual(series.map((s) => `${s.color} ${s.dash}`));
  });
});

/** CIE76 colour difference of two sRGB colours (D65 white). */
function deltaE(x: string, y: string): number {
  const lab = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const xyz = [
      (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
      0.2126 * r + 0.7152 * g + 0.0722 * b,
      (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    ].map((t) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116));
    return [116 * xyz[1] - 16, 500 * (xyz[0] - xyz[1]), 200 * (xyz[1] - xyz[2])];
  };
  const [a, b] = [lab(x), lab(y)];
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe("benchmark options and result names", () => {
  it("names each CPU's results directory after its model", () => {
    expect(cpuSlug("AMD EPYC")).toBe("amd-epyc");
    expect(cpuSlug("Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz")).toBe("intel-xeon-platinum-8480");
    expect(cpuSlug("AMD EPYC 9R14 96-Core Processor")).toBe("amd-epyc-9r14");
    expect(cpuSlug("Apple M3")).toBe("apple-m3");
    // as KVM names the host's CPU
    expect(cpuSlug("Intel(R) Xeon(R) Processor")).toBe("intel-xeon");
  });

  it("reads --sizes, and refuses what is not ROWSxK", () => {
    expect(parseSizes("4096x64, 65536x64")).toEqual([
      { n: 4096, k: 64 },
      { n: 65536, k: 64 },
    ]);
    for (const bad of ["", "4096", "4096x", "x64", "0x64", "4096x0", "4096x64,", "1e3x8", "-5x8", "4096*64"])
      expect(() => parseSizes(bad), bad).toThrow(/--sizes: ".*" is not ROWSxK/);
  });
});

describe("interleaved timing (bench/interleave.js)", () => {
  it("alternates the tasks round by round, after the warm-up calls, until every task has its rounds", async () => {
    const calls: string[] = [];
    const timed = await timeInterleaved(
      { a: () => calls.push("a"), b: async () => calls.push("b") },
      { warmup: 2, calls: 3, minRounds: 5 },
    );
    // 2 warm-up calls of each, then 5 rounds of one untimed and 3 timed calls of each, in turn
    const rounds = calls.slice(4).join("");
    expect(calls.slice(0, 4).join("")).toBe("abab");
    expect(rounds).toBe("aaaabbbb".repeat(5));
    for (const name of ["a", "b"]) {
      expect(timed[name].samples).toBe(5);
      expect(timed[name].ms).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(timed[name].rme)).toBe(true);
    }
  });

  it("takes the median round, and stops at maxMs even short of minRounds", async () => {
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    // no warm-up, one timed call a round: calls 2, 4, ... are the timed ones, rounds of 5, 1, 20, 3, 7 ms (a mean of 7.2, a least of 1)
    const schedule = [5, 1, 20, 3, 7];
    let call = 0;
    const timed = await timeInterleaved(
      { task: () => spin(++call % 2 ? 0 : schedule[call / 2 - 1]) },
      {
        warmup: 0,
        calls: 1,
        minRounds: 5,
      },
    );
    expect(timed.task.samples).toBe(5);
    expect(timed.task.ms).toBeGreaterThanOrEqual(5);
    expect(timed.task.ms).toBeLessThan(7);
    const start = performance.now();
    const capped = await timeInterleaved({ spin: () => spin(5) }, { warmup: 0, calls: 1, minRounds: 1e6, maxMs: 30 });
    expect(capped.spin.samples).toBeLessThan(20);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
