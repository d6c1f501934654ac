// An SVG chart of training and validation loss per epoch, for the CLI and the browser demo:
// labelled axes (the loss and its unit; epochs numbered as the CLI prints them, from 1), a
// log-scale y-range fitted to the data, and a reference line whose legend says what it is.
// Plain ESM, no dependencies; the elements carry class names so tests can read the chart.

/** What each loss is, for the y-axis label. */
export const LOSS_NAMES = {
  squared: "squared error (mean, target units²)",
  logistic: "log-loss (mean, nats)",
  bpr: "BPR loss (mean, nats)",
  warp: "WARP loss (mean rank-weighted hinge)",
};

// Okabe and Ito's colour-blind-safe palette; the series also differ in dash and marker.
const SERIES = [
  { key: "loss", label: "training", color: "#0072B2", dash: "", marker: "circle" },
  { key: "validationLoss", label: "validation", color: "#D55E00", dash: "7 4", marker: "square" },
];
const REFERENCE = { color: "#000000", dash: "2 3" };

/** Below this width the legend goes under the plot and the axis labels wrap (a phone's width). */
export const NARROW = 560;
/** About the width of a character at font-size 12, for wrapping. */
const CHAR = 7;

/**
 * @param {{ epoch: number, loss: number, validationLoss?: number }[]} epochs
 * @param {{ title?: string, loss?: "squared" | "logistic" | "bpr" | "warp", floor?: number, floorLabel?: string,
 *   width?: number, height?: number }} [options] floor: a horizontal reference line, named by floorLabel;
 *   below NARROW wide (draw it at the width it is shown, so its text keeps its 12 px), the legend goes
 *   under the plot, the axis labels wrap, and the height (by default) follows the width
 * @returns {string} an SVG document
 */
export function lossCurveSvg(
  epochs,
  { title = "loss per epoch", loss = "squared", floor, floorLabel = "reference", width = 680, height } = {},
) {
  const narrow = width < NARROW;
  const yLabel = `${LOSS_NAMES[loss] ?? "loss"}, log scale`;
  const xLabel = "epoch (after each pass over the training observations)";
  const finite = (x) => x > 0 && Number.isFinite(x);
  const legend = SERIES.filter((s) => epochs.some((e) => finite(e[s.key])));
  const floorLines = [...wrap(floorLabel, narrow ? Math.floor((width - 54) / CHAR) : 22), tickLabel(floor ?? 0, 4)];
  // narrow: the plot about 0.7 as high as wide, then the x label's lines and the legend's rows
  const xLines = narrow ? wrap(xLabel, Math.floor((width - 16) / CHAR)) : [xLabel];
  const legendHeight = 20 * legend.length + (finite(floor) ? 14 * floorLines.length + 6 : 0);
  const below = 38 + 14 * xLines.length;
  const plotHeight = narrow
    ? (height ?? 0) > 0
      ? Math.max(100, height - 40 - below - legendHeight)
      : Math.round(Math.min(300, Math.max(160, 0.7 * width)))
    : (height ?? 380) - 92;
  const yLines = narrow ? wrap(yLabel, Math.floor(plotHeight / CHAR)) : [yLabel];
  const left = narrow ? 56 + 15 * yLines.length : 78,
    right = narrow ? 16 : 200,
    top = 40,
    bottom = narrow ? below + legendHeight : 52;
  height = top + plotHeight + bottom;
  const plotRight = width - right,
    plotBottom = top + plotHeight;
  const values = epochs.flatMap((e) => [e.loss, e.validationLoss]).filter(finite);
  if (finite(floor)) values.push(floor);
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0.1, 1];
  // log scale, padded a little beyond the data so no point sits on the frame
  const span = Math.log10(hi) - Math.log10(lo);
  const pad = Math.max(0.02, 0.06 * span);
  const y0 = Math.log10(lo) - pad,
    y1 = Math.log10(hi) + pad;
  const last = Math.max(1, epochs.length - 1);
  const px = (i) => left + (epochs.length > 1 ? i / last : 0.5) * (plotRight - left);
  const py = (v) => plotBottom - ((Math.log10(v) - y0) / (y1 - y0)) * (plotBottom - top);
  const f = (x) => x.toFixed(1);

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="loss-curve-title">`,
    `<title id="loss-curve-title">${escape(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text class="title" x="${narrow ? 8 : left}" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  // y axis: grid lines and ticks at 1-2-5 (or finer) steps within the range
  out.push(`<g class="axis-y">`);
  for (const t of logTicks(10 ** y0, 10 ** y1)) {
    const y = f(py(t));
    out.push(`<line class="grid" x1="${left}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    out.push(`<text class="tick" x="${left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${plotBottom}" stroke="#333"/>`);
  out.push(
    `<text class="label" transform="translate(18 ${f((top + plotBottom) / 2)}) rotate(-90)" text-anchor="middle">${lines(yLines, 0, 15)}</text>`,
  );
  out.push(`</g>`);
  // x axis: epochs as printed, 1 to N, about ten ticks
  out.push(`<g class="axis-x">`);
  out.push(`<line x1="${left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>`);
  const step = niceStep(Math.max(1, epochs.length / 8));
  epochs.forEach((e, i) => {
    const number = e.epoch + 1;
    if (number % step === 0 || i === 0 || i === epochs.length - 1) {
      out.push(`<line x1="${f(px(i))}" x2="${f(px(i))}" y1="${plotBottom}" y2="${plotBottom + 5}" stroke="#333"/>`);
      out.push(`<text class="tick" x="${f(px(i))}" y="${plotBottom + 18}" text-anchor="middle">${number}</text>`);
    }
  });
  out.push(
    narrow
      ? `<text class="label" x="${f(width / 2)}" y="${plotBottom + 38}" text-anchor="middle">${lines(xLines, width / 2, 14)}</text>`
      : `<text class="label" x="${f((left + plotRight) / 2)}" y="${height - 12}" text-anchor="middle">${escape(xLabel)}</text>`,
  );
  out.push(`</g>`);

  if (finite(floor))
    out.push(
      `<line class="reference" x1="${left}" x2="${plotRight}" y1="${f(py(floor))}" y2="${f(py(floor))}" stroke="${REFERENCE.color}" stroke-width="1.5" stroke-dasharray="${REFERENCE.dash}"/>`,
    );
  for (const s of SERIES) {
    const points = epochs.map((e, i) => [px(i), e[s.key]]).filter(([, v]) => finite(v));
    if (!points.length) continue;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(`<g class="series" data-series="${s.label}">`);
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.map(([x, v]) => `${f(x)},${f(py(v))}`).join(" ")}"/>`,
    );
    if (points.length <= 40) for (const [x, v] of points) out.push(marker(s, x, py(v)));
    out.push(`</g>`);
  }
  // the legend, right of the plot (narrow: under it)
  const [legendX, legendY] = narrow ? [8, plotBottom + below + 4] : [plotRight + 12, top + 10];
  out.push(`<g class="legend">`);
  legend.forEach((s, i) => {
    const y = legendY + 20 * i;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(
      `<line x1="${legendX}" x2="${legendX + 28}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    out.push(marker(s, legendX + 14, y));
    out.push(`<text x="${legendX + 34}" y="${y + 4}">${s.label}</text>`);
  });
  if (finite(floor)) {
    const y = legendY + 20 * legend.length;
    out.push(
      `<line x1="${legendX}" x2="${legendX + 28}" y1="${y}" y2="${y}" stroke="${REFERENCE.color}" stroke-width="1.5" stroke-dasharray="${REFERENCE.dash}"/>`,
    );
    // the label wrapped to the legend's width, its value below it
    out.push(
      `<text x="${legendX + 34}" y="${y + 4}">${floorLines.map((line, i) => `<tspan x="${legendX + 34}" dy="${i ? 14 : 0}"${i === floorLines.length - 1 ? ' fill="#555"' : ""}>${escape(line)}</tspan>`).join("")}</text>`,
    );
  }
  out.push(`</g>`);
  out.push("</svg>");
  return out.join("\n");
}

function marker({ color, marker }, x, y) {
  return marker === "square"
    ? `<rect x="${(x - 3).toFixed(1)}" y="${(y - 3).toFixed(1)}" width="6" height="6" fill="${color}"/>`
    : `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`;
}

/** Tick values within [lo, hi] on a log axis: decades, or 1-2-5, or 1..9 a decade, whichever
 * first gives at least three; a narrow range gets evenly spaced ticks instead. */
export function logTicks(lo, hi) {
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
      for (const m of mantissas) {
        const t = Number((m * 10 ** e).toPrecision(12));
        if (t >= lo && t <= hi) ticks.push(t);
      }
    if (ticks.length >= 3) return ticks;
  }
  const step = niceStep((hi - lo) / 4);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The 1-2-2.5-5 number at or above x. */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= x * (1 - 1e-9));
}

/** `text` in lines of at most `width` characters (a longer word gets its own line); a
 * parenthesis starts a line. */
function wrap(text, width) {
  const lines = [];
  for (const [i, word] of String(text).split(/\s+/).entries()) {
    if (i && word.startsWith("(")) lines.push("");
    if (lines.at(-1) === "") lines[lines.length - 1] = word;
    else if (lines.length && (lines.at(-1) + " " + word).length <= width) lines[lines.length - 1] += " " + word;
    else lines.push(word);
  }
  return lines;
}

/** A label's lines: one is plain text; more are tspans, each `step` below the last, at `x`. */
function lines(list, x, step) {
  if (list.length === 1) return escape(list[0]);
  return list.map((line, i) => `<tspan x="${x.toFixed(1)}" dy="${i ? step : 0}">${escape(line)}</tspan>`).join("");
}

const tickLabel = (t, digits = 3) => String(Number(t.toPrecision(digits)));

function escape(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}
