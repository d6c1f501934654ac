// Turns suite results into the report: markdown tables (time, ratio to crossgrad, GB/s), the
// speed targets (docs/design.md §6), and an SVG chart of time against size. Environment-agnostic.

/** The contender every ratio is taken against. */
export const BASELINE = "crossgrad SIMD, Problem";

const find = (size, name) => size.results.find((r) => r.name === name);
const fmtMs = (ms) =>
  ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(4) : ms.toPrecision(3);
const fmtRatio = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(4));

/**
 * A CPU model as the directory of its results, so machines keep their own: "AMD EPYC" ->
 * "amd-epyc", "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz" -> "intel-xeon-platinum-8480".
 */
export function cpuSlug(model) {
  return model
    .toLowerCase()
    .replace(/\((r|tm)\)/g, "")
    .replace(/\bcpu\b|@.*$|(\d+-core )?processor/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** phi of at most this many bytes counts as in cache for the F and dF/dh targets: a core's L2 (2 MiB). */
export const IN_CACHE_BYTES = 2 * 1024 * 1024;

/** One markdown table per size: every contender's median time, ratio to crossgrad, GB/s. */
export function sizeTables(results) {
  const lines = [];
  for (const size of results.sizes) {
    const base = find(size, BASELINE);
    lines.push(`#### n = m = ${size.n}, k = ${size.k} (phi: ${((size.n + size.m) * size.k * 4) / 2 ** 20} MiB)`, "");
    lines.push(
      "| contender | computes | median time (ms) | time / crossgrad | GB/s moved |",
      "|---|---|---:|---:|---:|",
    );
    for (const r of size.results) {
      const gbs = r.bytes / (r.ms * 1e6);
      const name = r.name === BASELINE ? `**${r.name}**` : r.name;
      lines.push(`| ${name} | ${r.group} | ${fmtMs(r.ms)} | ${fmtRatio(r.ms / base.ms)} | ${gbs.toFixed(1)} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The speed targets (docs/design.md §6), checked against the measured ratios. */
export function checks(results) {
  const rows = [];
  const at = (n, k) => results.sizes.find((s) => s.n === n && s.k === k);
  const ratio = (size, a, b) => {
    const x = find(size, a),
      y = find(size, b);
    return x && y ? x.ms / y.ms : undefined;
  };
  const add = (what, size, target, measured, holds) => {
    if (size === undefined || measured === undefined) return;
    rows.push({
      what,
      size: `${size.n}, k = ${size.k}`,
      target,
      measured: fmtRatio(measured) + "x",
      met: holds(measured) ? "yes" : "**no**",
    });
  };
  for (const [n, k, limit] of [
    [500_000, 32, 1.15],
    [65_536, 64, 1.15],
    [4096, 64, 1.0],
  ]) {
    const size = at(n, k);
    add(
      "F + dF/dphi / copy roofline",
      size,
      `<= ${limit}x`,
      size && ratio(size, BASELINE, "roofline: copy (n+m)k floats"),
      (x) => x <= limit,
    );
  }
  // at least 5x from 4096 rows a group up, 9x at 4096 x 64
  for (const size of results.sizes.filter((s) => s.n >= 4096)) {
    const floor = size.n === 4096 && size.k === 64 ? 9 : 5;
    add(
      "plain JS factored / crossgrad",
      size,
      `>= ${floor}x`,
      ratio(size, "plain JS, factored", BASELINE),
      (x) => x >= floor,
    );
  }
  for (const size of results.sizes.filter((s) => s.n >= 4096)) {
    for (const [backend, floor] of [
      ["wasm", 20],
      ["cpu", 35],
    ]) {
      add(
        `TF.js ${backend} (resident) / crossgrad`,
        size,
        `>= ${floor}x`,
        ratio(size, `TF.js ${backend}, tensors resident`, BASELINE),
        (x) => x >= floor,
      );
    }
  }
  for (const size of results.sizes) {
    add(
      "literal double sum / crossgrad",
      size,
      "shown",
      ratio(size, "plain JS, literal double sum", BASELINE),
      () => true,
    );
  }
  // in cache: phi of at most IN_CACHE_BYTES, a core's L2 on the machines measured (1.3x); out of cache 1.15x
  for (const size of results.sizes) {
    const cached = (size.n + size.m) * size.k * 4 <= IN_CACHE_BYTES;
    const limit = cached ? 1.3 : 1.15;
    const where = cached ? " (in cache)" : " (out of cache)";
    add(
      `F alone / SIMD read${where}`,
      size,
      `<= ${limit}x`,
      ratio(size, "crossgrad SIMD, F only", "roofline: SIMD read of phi"),
      (x) => x <= limit,
    );
    add(
      `dF/dh / SIMD read${where}`,
      size,
      `<= ${limit}x`,
      ratio(size, "crossgrad SIMD, dF/dh", "roofline: SIMD read of phi"),
      (x) => x <= limit,
    );
  }
  add(
    "sparse 1% (F + active rows' gradient) / dense",
    at(65_536, 64),
    "<= 1/30 = 0.033x",
    at(65_536, 64) && ratio(at(65_536, 64), "crossgrad sparse 1%, Problem", BASELINE),
    (x) => x <= 1 / 30,
  );
  for (const size of results.sizes) {
    add(
      "threads: 1 thread / 2 threads (speedup)",
      size,
      "shown",
      ratio(size, "crossgrad 1 thread, ThreadPool", "crossgrad 2 threads, ThreadPool"),
      () => true,
    );
    // the pool against what threads give a plain copy on this machine (the same messages)
    add(
      "threads: pool speedup / parallel copy speedup (2 vs 1 worker)",
      size,
      ">= 1x",
      (() => {
        const pool = ratio(size, "crossgrad 1 thread, ThreadPool", "crossgrad 2 threads, ThreadPool");
        const copy = ratio(size, "roofline: copy (n+m)k floats, 1 worker", "roofline: copy (n+m)k floats, 2 workers");
        return pool && copy && pool / copy;
      })(),
      (x) => x >= 1,
    );
    add(
      "threads: calling thread / 2 threads (speedup over no pool)",
      size,
      "shown",
      ratio(size, BASELINE, "crossgrad 2 threads, ThreadPool"),
      () => true,
    );
    add(
      "2 threads / copy roofline (1 thread)",
      size,
      "shown",
      ratio(size, "crossgrad 2 threads, ThreadPool", "roofline: copy (n+m)k floats"),
      () => true,
    );
  }
  for (const size of results.sizes) {
    // what a result in a new array costs over writing it into a caller's out (the README's advice)
    add(
      "copying API: result in a new array / into out",
      size,
      "shown",
      ratio(size, "crossgrad SIMD, copying API, new array", "crossgrad SIMD, copying API into out"),
      () => true,
    );
  }
  for (const size of results.sizes) {
    const loop = "crossgrad loop of 64 single calls (value, then gradient)";
    add(
      "loop of single calls / batch (64 sets)",
      size,
      "> 1x",
      ratio(size, loop, "crossgrad batch of 64 sets, batchPooled + batchGradient"),
      (x) => x > 1,
    );
  }
  const lines = ["| speed target | n = m | target | measured | met |", "|---|---|---|---:|---|"];
  for (const r of rows) lines.push(`| ${r.what} | ${r.size} | ${r.target} | ${r.measured} | ${r.met} |`);
  return lines.join("\n");
}

/**
 * Epochs per second of crossgrad's fit() against TensorFlow.js on the same model and data, a
 * pair of rows per batch size (results of before the batches of 4096: one pair, at 256).
 */
export function trainingTable(t) {
  const p = t.problem;
  const rows = t.rows ?? [{ batchSize: p.batchSize, crossgrad: t.crossgrad, tfjs: t.tfjs, ratio: t.ratio }];
  const first = rows[0];
  const lines = [
    `Squared loss on a planted problem: n = m = ${p.n}, k = ${p.k}, ${p.observations} observations, ${p.optimizer};`,
    `median epoch time (crossgrad over ${first.crossgrad.epochs} epochs, TF.js over ${first.tfjs.epochs}).`,
    "",
    "| batch | trainer | ms an epoch | epochs per second | loss after its epochs | ratio |",
    "|---:|---|---:|---:|---:|---:|",
  ];
  for (const { batchSize, crossgrad, tfjs, ratio } of rows) {
    lines.push(
      `| ${batchSize} | **crossgrad fit()** | ${crossgrad.epochMs.toFixed(1)} | ${crossgrad.epochsPerSecond.toFixed(1)} | ${crossgrad.lastLoss.toFixed(4)} | 1 |`,
      `| ${batchSize} | TF.js ${tfjs.backend} | ${tfjs.epochMs.toFixed(0)} | ${tfjs.epochsPerSecond.toFixed(2)} | ${tfjs.lastLoss.toFixed(4)} | ${ratio.toFixed(1)}x slower |`,
    );
  }
  const target = rows.find((r) => r.batchSize === 256) ?? first;
  lines.push(
    "",
    `Target (issue: training): at least 10x at batches of ${target.batchSize}; measured ${target.ratio.toFixed(1)}x: ${target.ratio >= 10 ? "met" : "**not met**"}.`,
  );
  return lines.join("\n");
}

/** The whole report: machine, runtime, the checks, and every size's table. */
export function markdown(results, { title, command }) {
  return [
    `# ${title}`,
    "",
    `Measured ${results.date} on ${results.machine}; ${results.runtime}. Reproduce with \`${command}\`.`,
    "Medians of tinybench samples, all contenders side by side in one process on the same inputs",
    "(f32 unless named, phi uniform on [-1, 1), half the gates on); the thread pools and parallel",
    "copies, whose speedups the threads check compares, timed together in alternating rounds",
    "(medians of the rounds, bench/interleave.js). crossgrad kernels run on a",
    "zero-copy Problem unless named. GB/s counts the bytes the computation must move: phi read",
    "plus the gradient written for F + dF/dphi (and the copy), phi read for F, dF/dh and the read;",
    "for sparse and batched calls, the listed rows read and their gradient rows written.",
    "",
    "## Speed targets",
    "",
    checks(results),
    "",
    ...(results.training ? ["## Training", "", trainingTable(results.training), ""] : []),
    ...(results.recipes ? ["## Recipes", "", recipesTable(results.recipes), ""] : []),
    ...(results.recommending ? ["## Recommending", "", recommendingTable(results.recommending), ""] : []),
    ...(results.fields ? ["## The factorization-machine family", "", fieldsTable(results.fields), ""] : []),
    "## Every contender",
    "",
    sizeTables(results),
  ].join("\n");
}

// Okabe and Ito's colour-blind-safe palette (its yellow left out: too faint on white). With 14
// series the colours repeat, so each series also gets its own pair of marker and dash: no two
// series share both, and a reader who sees no colour at all can still tell them apart.
export const PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"];
const MARKERS = ["circle", "square", "triangle", "diamond", "cross"];
const DASHES = ["", "6 3", "2 3"];

/** The look of series i: a colour, a marker and a dash pattern, unique up to 15 series. */
export function seriesStyle(i) {
  return {
    color: PALETTE[i % PALETTE.length],
    marker: MARKERS[i % MARKERS.length],
    dash: DASHES[Math.floor(i / MARKERS.length) % DASHES.length],
  };
}

function markerSvg(marker, x, y, color) {
  const p = (points) => points.map(([dx, dy]) => `${(x + dx).toFixed(1)},${(y + dy).toFixed(1)}`).join(" ");
  if (marker === "square")
    return `<rect x="${(x - 3.5).toFixed(1)}" y="${(y - 3.5).toFixed(1)}" width="7" height="7" fill="${color}"/>`;
  if (marker === "triangle")
    return `<polygon points="${p([
      [0, -4.5],
      [4, 3],
      [-4, 3],
    ])}" fill="${color}"/>`;
  if (marker === "diamond")
    return `<polygon points="${p([
      [0, -4.5],
      [4.5, 0],
      [0, 4.5],
      [-4.5, 0],
    ])}" fill="${color}"/>`;
  if (marker === "cross")
    return `<path d="M${p([[-4, -4]])}L${p([[4, 4]])}M${p([[-4, 4]])}L${p([[4, -4]])}" stroke="${color}" stroke-width="2"/>`;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${color}"/>`;
}

/** SVG chart: median time against rows per group at k = 64, log-log, one line per contender. */
export function svgChart(results, { title }) {
  const sizes = results.sizes.filter((s) => s.k === 64).sort((a, b) => a.n - b.n);
  const plotted = (r) => r.group === "F + dF/dphi" || r.group === "roofline";
  const names = [...new Set(sizes.flatMap((s) => s.results.filter(plotted).map((r) => r.name)))];
  const W = 820,
    H = 500,
    left = 70,
    right = 300,
    top = 40,
    bottom = 50;
  const xs = sizes.map((s) => s.n),
    ys = sizes.flatMap((s) => s.results.map((r) => r.ms));
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  const px = (n) => left + ((Math.log10(n) - x0) / (x1 - x0 || 1)) * (W - left - right);
  const py = (ms) => H - bottom - ((Math.log10(ms) - y0) / (y1 - y0 || 1)) * (H - top - bottom);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img"><title>${escape(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} ms</text>`,
    );
  }
  for (const n of xs) {
    const x = px(n);
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - bottom + 16}" text-anchor="middle">${n}</text>`);
  }
  out.push(
    `<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle">rows per group (n = m), k = 64; time per call, log-log</text>`,
  );
  names.forEach((name, i) => {
    const { color, marker, dash: pattern } = seriesStyle(i);
    const points = sizes.map((s) => [s.n, find(s, name)?.ms]).filter(([, ms]) => ms !== undefined);
    const dash = pattern ? ` stroke-dasharray="${pattern}"` : "";
    const width = name === BASELINE ? 3 : 1.5;
    out.push(`<g class="series" data-series="${escape(name)}" data-marker="${marker}">`);
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash} points="${points.map(([n, ms]) => `${px(n).toFixed(1)},${py(ms).toFixed(1)}`).join(" ")}"/>`,
    );
    for (const [n, ms] of points) out.push(markerSvg(marker, px(n), py(ms), color));
    out.push(`</g>`);
    const ly = top + 10 + i * 18;
    out.push(
      `<line x1="${W - right + 12}" x2="${W - right + 44}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${width}"${dash}/>`,
    );
    out.push(markerSvg(marker, W - right + 28, ly, color));
    out.push(`<text x="${W - right + 50}" y="${ly + 4}">${escape(name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** The recipes' rows (bench/recipes.js): seconds an epoch of each. */
export function recipesTable(r) {
  return [
    `Generated ratings shaped as ml-100k (943 users, 1,682 items, ${r.ratings} ratings; ${r.positives} of them >= 4 are the positives; 19 genres for the hybrid), one thread, nothing held out: \`bench/recipes.js\`.`,
    "",
    "| recipe | loss | interactions | s an epoch | interactions a second |",
    "|---|---|---:|---:|---:|",
    ...r.rows.map(
      (x) =>
        `| ${x.recipe} | ${x.loss} | ${x.count} | ${x.epochSeconds.toFixed(3)} | ${Math.round(x.count / x.epochSeconds).toLocaleString("en-US")} |`,
    ),
  ].join("\n");
}

/** The FM family's rows (bench/fields.js): each call against its baseline, timed interleaved. */
export function fieldsTable(f) {
  const lines = [
    `f32, k = ${f.k}, every array in wasm memory; medians timed interleaved with the baseline: \`bench/fields.js\`${f.quick ? " (quick: rows / 100)" : ""}.`,
    "",
    "| call | ms | baseline | baseline ms | ratio | target | met |",
    "|---|---:|---|---:|---:|---:|---|",
  ];
  for (const r of f.rows) {
    const target = r.target === undefined ? "" : r.target < 1 ? `<= 1/${Math.round(1 / r.target)}` : `<= ${r.target}x`;
    const met = r.met === undefined ? "" : r.met ? "met" : "**not met**";
    lines.push(
      `| ${r.what} | ${r.ms.toFixed(2)} | ${r.against} | ${r.againstMs.toFixed(2)} | ${r.ratio < 0.1 ? `1/${(1 / r.ratio).toFixed(0)}` : `${r.ratio.toFixed(2)}x`} | ${target} | ${met} |`,
    );
  }
  return lines.join("\n");
}

/** The recommending rows (bench/recommending.js): milliseconds of each call. */
export function recommendingTable(r) {
  return [
    `Generated positives shaped as ml-100k: ${r.users} users, ${r.items} items, k = ${r.k}; one thread: \`bench/recommending.js\`.`,
    "",
    "| call | ms (median) | against one thread |",
    "|---|---:|---:|",
    ...r.rows.map((x) => `| ${x.what} | ${x.ms.toFixed(3)} | ${x.speedup ? `${x.speedup.toFixed(2)}x faster` : ""} |`),
  ].join("\n");
}
