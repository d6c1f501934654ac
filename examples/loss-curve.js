// An SVG chart of training and validation loss per epoch (log scale), for the CLI and the
// browser demo. Plain ESM, no dependencies.

/**
 * @param {{ epoch: number, loss: number, validationLoss?: number }[]} epochs
 * @param {{ title?: string, floor?: number, floorLabel?: string, width?: number, height?: number }} [options]
 *   floor: a horizontal reference line (the noise floor)
 * @returns {string} an SVG document
 */
export function lossCurveSvg(
  epochs,
  { title = "loss per epoch", floor, floorLabel = "noise floor", width = 640, height = 360 } = {},
) {
  const left = 64,
    right = 150,
    top = 36,
    bottom = 44;
  const values = epochs.flatMap((e) => [e.loss, e.validationLoss]).filter((x) => x > 0 && Number.isFinite(x));
  if (floor > 0) values.push(floor);
  const lo = Math.log10(Math.min(...values, 1)),
    hi = Math.log10(Math.max(...values, 1e-9));
  const y0 = Math.floor(lo),
    y1 = Math.max(Math.ceil(hi), y0 + 1);
  const last = Math.max(1, epochs.length - 1);
  const px = (i) => left + (i / last) * (width - left - right);
  const py = (v) => height - bottom - ((Math.log10(v) - y0) / (y1 - y0)) * (height - top - bottom);
  const line = (key, color, dash = "") => {
    const points = epochs.map((e, i) => [i, e[key]]).filter(([, v]) => v > 0 && Number.isFinite(v));
    if (!points.length) return "";
    return `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.map(([i, v]) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(" ")}"/>`;
  };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${title.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${py(10 ** e)}" y2="${py(10 ** e)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${left - 6}" y="${py(10 ** e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(epochs.length / 10));
  epochs.forEach((e, i) => {
    if (i % step === 0 || i === epochs.length - 1)
      out.push(`<text x="${px(i)}" y="${height - bottom + 16}" text-anchor="middle">${e.epoch}</text>`);
  });
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">epoch</text>`);
  if (floor > 0)
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${py(floor)}" y2="${py(floor)}" stroke="#888" stroke-dasharray="4 4"/>`,
    );
  out.push(line("loss", "#1b6ac9"), line("validationLoss", "#d9480f"));
  const legend = [
    ["training", "#1b6ac9", ""],
    ["validation", "#d9480f", ""],
    ...(floor > 0 ? [[floorLabel, "#888", ' stroke-dasharray="4 4"']] : []),
  ];
  legend.forEach(([label, color, dash], i) => {
    const y = top + 10 + 18 * i;
    out.push(
      `<line x1="${width - right + 12}" x2="${width - right + 36}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${width - right + 42}" y="${y + 4}">${label}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
