// The rules for the examples' inputs: the CLI's flags and the demo page's fields check their
// values here, so both refuse the same values with the same words. Plain ESM, no Node imports.

/** Entries of phi an example may allocate: (n + m) k. The planted problem keeps phi* in float64
 * beside the model's phi and the gradient check's copies, so this is a few GiB at most. */
export const MAX_ENTRIES = 50_000_000;

/** Whole-number inputs: name -> { min, max, what }. */
export const INTEGERS = {
  n: { min: 1, max: 10_000_000, what: "rows of group A" },
  m: { min: 1, max: 10_000_000, what: "rows of group B" },
  k: { min: 1, max: 4096, what: "columns of phi" },
  epochs: { min: 1, max: 10_000, what: "epochs of training" },
  // a tenth more are drawn for validation, so at least one validation observation
  observations: { min: 10, max: 10_000_000, what: "training observations" },
  // at most the training observations too (checkBatch)
  batch: { min: 1, max: 10_000_000, what: "observations per mini-batch" },
  seed: { min: 0, max: 4_294_967_295, what: "the seed" },
};

/** Positive real inputs: name -> what (finite and above 0). */
export const REALS = {
  lr: "the optimizer's base learning rate",
};

/** Inputs from a list: name -> allowed values. */
export const CHOICES = {
  loss: ["squared", "logistic", "bpr"],
  optimizer: ["adam", "adagrad", "sgd"],
  precision: ["f32", "f64"],
};

/** A user's input that is not allowed: `input` names it, the message says what is allowed. */
export class InputError extends Error {
  constructor(input, message) {
    super(message);
    this.name = "InputError";
    this.input = input;
  }
}

/**
 * `text` as a whole number within the input's range, or an InputError. `label` is how the
 * message names an input (the CLI says "--k", the page "k").
 */
export function wholeNumber(name, text, label = (x) => x) {
  const { min, max, what } = INTEGERS[name];
  const shown = JSON.stringify(String(text));
  // digits only: Number() would also take "", " 1", "1e3", "0x10" and "Infinity"
  if (!/^[0-9]+$/.test(String(text)))
    throw new InputError(name, `${label(name)} must be a whole number from ${min} to ${max} (${what}), got ${shown}`);
  const value = Number(text);
  if (value < min || value > max)
    throw new InputError(name, `${label(name)} must be from ${min} to ${max} (${what}), got ${value}`);
  return value;
}

/**
 * `text` as a finite number above 0, written in decimal (`0.01`, `.5`, `2e-3`), or an InputError.
 */
export function positiveNumber(name, text, label = (x) => x) {
  const what = REALS[name];
  const shown = JSON.stringify(String(text));
  // decimal only: Number() would also take "", " 1", "0x10", "-1" and "Infinity"
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(String(text)))
    throw new InputError(name, `${label(name)} must be a decimal number above 0 (${what}), got ${shown}`);
  const value = Number(text);
  if (!(value > 0) || value === Infinity)
    throw new InputError(name, `${label(name)} must be finite and above 0 (${what}), got ${shown}`);
  return value;
}

/** `text` if it is one of the input's choices, or an InputError. */
export function choice(name, text, label = (x) => x) {
  if (!CHOICES[name].includes(text))
    throw new InputError(
      name,
      `${label(name)} must be ${CHOICES[name].slice(0, -1).join(", ")} or ${CHOICES[name].at(-1)}, got ${JSON.stringify(String(text))}`,
    );
  return text;
}

/** Checks that n, m and k fit together and with the loss; returns the shape. */
export function checkShape({ n, m, k }, loss = "squared", label = (x) => x) {
  const entries = (n + m) * k;
  if (entries > MAX_ENTRIES)
    throw new InputError(
      "k",
      `${label("n")}, ${label("m")} and ${label("k")} give (n + m) k = ${entries} entries of phi; at most ${MAX_ENTRIES} here (memory)`,
    );
  if (loss === "bpr" && m < 2)
    throw new InputError(
      "m",
      `${label("m")} must be at least 2 for the bpr loss (a positive and a negative row of B), got ${m}`,
    );
  return { n, m, k };
}

/** Checks that the mini-batch fits in the training observations; returns the batch size. */
export function checkBatch({ batch, observations }, label = (x) => x) {
  if (batch > observations)
    throw new InputError(
      "batch",
      `${label("batch")} must be from 1 to ${observations} (observations per mini-batch, at most ${label("observations")}), got ${batch}`,
    );
  return batch;
}
