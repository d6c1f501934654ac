// What both views of the demo page share: finding elements, reading fields by the examples'
// rules with their messages on the page, escaping text into HTML, and charts drawn at the width
// of their box (redrawn when it changes), so that their text keeps its size on a phone.
import { lossCurveSvg } from "../loss-curve.js";
import { InputError, wholeNumber } from "../options.js";

export const $ = (id) => document.getElementById(id);

/** Text made safe to put in HTML. */
export const escapeHtml = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * Reads fields (name -> the input's id) by the examples' rules (examples/options.js), or with
 * `check` on the values. On a bad one: its message in `error`, the field marked invalid and
 * focused, `stale()` called (to clear old results), and null returned.
 */
export function readFields(fields, error, stale, check = () => {}) {
  const ids = Object.entries(fields);
  for (const [, id] of ids) $(id).removeAttribute("aria-invalid");
  try {
    const values = Object.fromEntries(ids.map(([name, id]) => [name, wholeNumber(name, $(id).value.trim())]));
    check(values);
    $(error).textContent = "";
    return values;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    $(error).textContent = e.message;
    const field = $(fields[e.input] ?? e.input);
    field?.setAttribute("aria-invalid", "true");
    field?.focus();
    stale();
    return null;
  }
}

const charts = new WeakMap();
const resized = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const chart = charts.get(target);
    if (chart && chart.width !== target.clientWidth) drawChart(target, chart.epochs, chart.options);
  }
});

/** Draws a loss curve into `box` at its width, and again whenever that width changes. */
export function drawChart(box, epochs, options) {
  const width = box.clientWidth;
  if (!charts.has(box)) resized.observe(box);
  charts.set(box, { epochs, options, width });
  box.innerHTML = epochs.length ? lossCurveSvg(epochs, { ...options, width: Math.max(260, width) }) : "";
}

/** Empties a chart's box (and stops redrawing it). */
export function clearChart(box) {
  charts.delete(box);
  resized.unobserve(box);
  box.innerHTML = "";
}
