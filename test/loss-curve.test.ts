// The loss curve of the CLI and the demo page (examples/loss-curve.js), read back from its SVG:
// labelled axes with the loss's unit, epochs numbered as printed (from 1), a y-range fitted to
// the data, the two series told apart by more than colour, and a reference line named as
// asked. Portable: runs in Node and in the browser.
import { describe, expect, it } from "vitest";
import { logTicks, lossCurveSvg, LOSS_NAMES, NARROW } from "../examples/loss-curve.js";

type Epoch = { epoch: number; loss: number; validationLoss?: number };

/** A descent from about 0.11 to 0.0104 over `count` epochs starting at `first`. */
const descent = (count: number, first = 0): Epoch[] =>
  Array.from({ length: count }, (_, i) => ({
    epoch: first + i,
    loss: 0.0098 + 0.1 * 0.7 ** i,
    validationLoss: 0.0104 + 0.02 * 0.8 ** i,
  }));

const attribute = (element: string, name: string) => element.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
const group = (svg: string, cls: string) => svg.match(new RegExp(`<g class="${cls}"[^>]*>([^]*?)</g>`))?.[1] ?? "";
const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => m[1]);
const number = (svg: string, name: string) => Number(attribute(svg, name));

/** The plot frame: the axes' lines. */
function frame(svg: string) {
  const yAxis = group(svg, "axis-y").match(/<line x1="(\S+)" x2="\1" y1="(\S+)" y2="(\S+)" stroke="#333"\/>/)!;
  const xAxis = group(svg, "axis-x").match(/<line x1="(\S+)" x2="(\S+)" y1="(\S+)" y2="\3" stroke="#333"\/>/)!;
  return { left: Number(yAxis[1]), top: Number(yAxis[2]), bottom: Number(yAxis[3]), right: Number(xAxis[2]) };
}

/** Each y tick: its value and its height in the picture. */
function yTicks(svg: string) {
  return [...group(svg, "axis-y").matchAll(/<text class="tick" x="\S+" y="(\S+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
    y: Number(m[1]) - 4,
    value: Number(m[2]),
  }));
}

const seriesPoints = (svg: string, label: string) =>
  attribute(svg.match(new RegExp(`<g class="series" data-series="${label}">\\s*(<polyline[^>]*>)`))![1], "points")!
    .split(" ")
    .map((p) => p.split(",").map(Number));

describe("the loss curve", () => {
  it("labels both axes: the loss and its unit, and the epoch", () => {
    for (const loss of ["squared", "logistic", "bpr"] as const) {
      const svg = lossCurveSvg(descent(5), { loss });
      expect(texts(group(svg, "axis-y"), "label")[0]).toBe(`${LOSS_NAMES[loss]}, log scale`);
      expect(texts(group(svg, "axis-x"), "label")[0]).toMatch(/^epoch/);
    }
    expect(LOSS_NAMES.squared).toMatch(/squared error/);
    expect(LOSS_NAMES.logistic).toMatch(/log-loss.*nats/);
    expect(LOSS_NAMES.bpr).toMatch(/BPR.*nats/);
  });

  it("numbers epochs as the CLI prints them: from 1, and on from where fitPartial continues", () => {
    const ticks = texts(group(lossCurveSvg(descent(30)), "axis-x"), "tick").map(Number);
    expect(ticks[0]).toBe(1);
    expect(ticks.at(-1)).toBe(30);
    expect(ticks).not.toContain(0);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(ticks.length).toBeLessThanOrEqual(12);
    const continued = texts(group(lossCurveSvg(descent(5, 10)), "axis-x"), "tick").map(Number);
    expect(continued).toEqual([11, 12, 13, 14, 15]);
  });

  it("fits the y-range to the data: the curves fill the plot and the ticks stay near the data", () => {
    const epochs = descent(30);
    const svg = lossCurveSvg(epochs, { floor: 0.01 });
    const { top, bottom } = frame(svg);
    const all = [...seriesPoints(svg, "training"), ...seriesPoints(svg, "validation")].map(([, y]) => y);
    // the data (with the reference line) span at least 85% of the plot's height, inside the frame
    expect(Math.min(...all)).toBeGreaterThanOrEqual(top);
    expect(Math.max(...all)).toBeLessThanOrEqual(bottom);
    const floorY = number(svg.match(/<line class="reference"[^>]*>/)![0], "y1");
    expect(Math.max(...all, floorY) - Math.min(...all, floorY)).toBeGreaterThan(0.85 * (bottom - top));
    const ticks = yTicks(svg);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const values = epochs.flatMap((e) => [e.loss, e.validationLoss!]);
    for (const t of ticks) {
      expect(t.value).toBeGreaterThanOrEqual(Math.min(...values, 0.01) / 1.3);
      expect(t.value).toBeLessThanOrEqual(Math.max(...values) * 1.3);
      expect(t.y).toBeGreaterThanOrEqual(top - 0.5);
      expect(t.y).toBeLessThanOrEqual(bottom + 0.5);
    }
    // a log scale: the ticks' heights follow log10 of their values
    const [a, b] = [ticks[0], ticks.at(-1)!];
    const perDecade = (a.y - b.y) / Math.log10(b.value / a.value);
    for (const t of ticks) expect(t.y).toBeCloseTo(a.y - perDecade * Math.log10(t.value / a.value), 0);
  });

  it("keeps ticks on a nearly flat curve, and on a single epoch", () => {
    const flat = lossCurveSvg([0, 1, 2].map((epoch) => ({ epoch, loss: 0.5, validationLoss: 0.501 })));
    expect(yTicks(flat).length).toBeGreaterThanOrEqual(2);
    const one = lossCurveSvg([{ epoch: 0, loss: 0.3, validationLoss: 0.2 }]);
    expect(yTicks(one).length).toBeGreaterThanOrEqual(2);
    expect(seriesPoints(one, "training")).toHaveLength(1);
    expect(one).toMatch(/<g class="series" data-series="training">[^]*<circle/); // a lone point still shows
  });

  it("tells the series apart by colour, dash and marker, and draws every finite point", () => {
    const epochs = descent(12);
    epochs[3].validationLoss = NaN;
    epochs[4].loss = Infinity;
    const svg = lossCurveSvg(epochs);
    expect(seriesPoints(svg, "training")).toHaveLength(11);
    expect(seriesPoints(svg, "validation")).toHaveLength(11);
    const style = (label: string) => {
      const g = svg.match(new RegExp(`<g class="series" data-series="${label}">([^]*?)</g>`))![1];
      return {
        color: attribute(g.match(/<polyline[^>]*>/)![0], "stroke"),
        dash: attribute(g.match(/<polyline[^>]*>/)![0], "stroke-dasharray") ?? "",
        marker: g.match(/<(circle|rect)/)![1],
      };
    };
    const [training, validation] = [style("training"), style("validation")];
    expect(training.color).not.toBe(validation.color);
    expect(training.dash).not.toBe(validation.dash);
    expect(training.marker).not.toBe(validation.marker);
    expect(group(svg, "legend")).toContain(">training<");
    expect(group(svg, "legend")).toContain(">validation<");
  });

  it("draws the reference line only when given, named by its label, at its value", () => {
    expect(lossCurveSvg(descent(5))).not.toContain('class="reference"');
    const svg = lossCurveSvg(descent(5), { floor: 0.01, floorLabel: "planted phi*'s loss" });
    expect(group(svg, "legend")).toContain(">planted phi*'s loss<");
    expect(group(svg, "legend")).toContain(">0.01<");
    // a long label wraps into lines instead of running off the picture
    const long = lossCurveSvg(descent(5), { floor: 0.01, floorLabel: "noise variance (best possible)" });
    expect(group(long, "legend")).toMatch(/>noise variance<\/tspan><tspan[^>]*>\(best possible\)<\/tspan>/);
    const line = svg.match(/<line class="reference"[^>]*>/)![0];
    const ticks = yTicks(svg);
    const at = ticks.find((t) => t.value === 0.01);
    expect(at).toBeDefined();
    expect(number(line, "y1")).toBeCloseTo(at!.y, 0);
  });

  it.each([260, 340, 400])(
    "at a phone's width (%i px) keeps its 12 px text inside the picture: the legend under the plot, the axis labels wrapped",
    (width) => {
      const svg = lossCurveSvg(descent(15), { width, floor: 0.01, floorLabel: "noise variance (best possible)" });
      expect(width).toBeLessThan(NARROW);
      const height = number(svg, "height");
      expect(number(svg, "width")).toBe(width);
      expect(attribute(svg, "viewBox")).toBe(`0 0 ${width} ${height}`);
      // no text is drawn smaller than the picture's 12 (the title is 14)
      for (const size of svg.matchAll(/font-size="([\d.]+)"/g)) expect(Number(size[1])).toBeGreaterThanOrEqual(12);
      const { left, right, top, bottom } = frame(svg);
      expect(right).toBeLessThanOrEqual(width - 8);
      expect(right - left).toBeGreaterThan(0.5 * width);
      // each line of every label, at about 7 px a character, fits: the x label across the picture,
      // the y label (turned) along the plot's height; the lines together say the whole label
      const lines = (label: string) =>
        [...label.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)]
          .map((m) => m[1])
          .concat(label.includes("<tspan") ? [] : [label]);
      const [xLabel] = group(svg, "axis-x")
        .match(/<text class="label"[^>]*>(.*?)<\/text>/)!
        .slice(1);
      const [yLabel] = group(svg, "axis-y")
        .match(/<text class="label"[^>]*>(.*?)<\/text>/)!
        .slice(1);
      expect(lines(xLabel).join(" ")).toBe("epoch (after each pass over the training observations)");
      expect(lines(yLabel).join(" ")).toBe(`${LOSS_NAMES.squared}, log scale`);
      for (const line of lines(xLabel)) expect(7 * line.length).toBeLessThanOrEqual(width - 16);
      for (const line of lines(yLabel)) expect(7 * line.length).toBeLessThanOrEqual(bottom - top);
      // the legend: under the x label, every entry and the reference's label within the width and height
      const legend = group(svg, "legend");
      const entries = [...legend.matchAll(/<(?:text|tspan) x="([\d.]+)" (?:y="([\d.]+)"|dy="\d+")[^>]*>([^<]*)</g)];
      expect(entries.length).toBeGreaterThanOrEqual(5);
      for (const m of entries) {
        expect(Number(m[1]) + 7 * m[3].length).toBeLessThanOrEqual(width);
        if (m[2]) expect(Number(m[2])).toBeGreaterThan(bottom + 40);
      }
      expect(legend).toContain(">training<");
      expect(legend).toContain(">validation<");
      expect(lines(legend.match(/<text[^>]*>(<tspan.*?)<\/text>/)![1]).join(" ")).toBe(
        "noise variance (best possible) 0.01",
      );
      const lowest = Math.max(...[...svg.matchAll(/ y="([\d.]+)"/g)].map((m) => Number(m[1])));
      expect(lowest + 14 * 2).toBeLessThanOrEqual(height);
    },
  );

  it("draws at the given width, wide or narrow, with the legend right of the plot when it is wide", () => {
    const wide = lossCurveSvg(descent(5), { width: NARROW });
    expect(frame(wide).right).toBe(NARROW - 200);
    const narrow = lossCurveSvg(descent(5), { width: NARROW - 1 });
    expect(frame(narrow).right).toBe(NARROW - 1 - 16);
  });

  it("escapes the title", () => {
    expect(lossCurveSvg(descent(2), { title: "a < b & c" })).toContain("a &lt; b &amp; c");
  });
});

describe("log ticks", () => {
  it("picks decades, 1-2-5 or 1..9 steps, or even steps on a narrow range", () => {
    expect(logTicks(0.001, 1)).toEqual([0.001, 0.01, 0.1, 1]);
    expect(logTicks(0.009, 0.12)).toEqual([0.01, 0.02, 0.05, 0.1]);
    expect(logTicks(0.009, 0.035)).toEqual([0.009, 0.01, 0.02, 0.03]);
    expect(logTicks(0.0095, 0.026)).toEqual([0.01, 0.015, 0.02, 0.025]);
    const narrow = logTicks(0.49, 0.52);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
    for (const t of narrow) expect(t >= 0.49 && t <= 0.52).toBe(true);
  });
});
