#!/usr/bin/env node
// npx crossgrad plan: pre-plans a machine (docs/planner.md). It plans each size given, at init,
// on stand-in inputs (init's planShapes), and prints the wisdom to stdout, for importWisdom() in
// the services and pages that run on this machine:
//   npx crossgrad plan --sizes 4096x64,65536x64 [--precision f32|f64] [--mode measure|patient] > wisdom.json
// Every flag is checked before any work: a bad one prints what is allowed and exits with 2.
import { parseArgs } from "node:util";
import { exportWisdom, init } from "../dist/index.js";

const USAGE = [
  "usage: npx crossgrad plan --sizes ROWSxK[,ROWSxK...] [options] > wisdom.json",
  "  --sizes       n = m rows per group, x k columns: 1 to 10000000 x 1 to 4096  (4096x64,65536x64)",
  "  --precision   f32 | f64                                                      [f32]",
  "  --mode        measure | patient (patient: more runs, for a one-off tuning)   [measure]",
  "  --budget      the most ms each size class and kernel spends measuring         [no cap]",
  "  --help, -h    this text",
].join("\n");

/** A bad command line: the message names the flag. */
class InputError extends Error {}

/** The sizes written "4096x64,65536x64" as init's planShapes. */
function parseSizes(text, precision) {
  return text.split(",").map((size) => {
    const match = /^(\d+)x(\d+)$/.exec(size.trim());
    const [n, k] = match ? [Number(match[1]), Number(match[2])] : [];
    if (!match || !(n >= 1 && n <= 1e7 && k >= 1 && k <= 4096))
      throw new InputError(
        `--sizes: ${JSON.stringify(size)} is not ROWSxK (1 to 10000000 rows per group, 1 to 4096 columns)`,
      );
    return { n, m: n, k, precision };
  });
}

function parseFlags(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string" },
      precision: { type: "string", default: "f32" },
      mode: { type: "string", default: "measure" },
      budget: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) return { help: true };
  if (positionals[0] !== "plan" || positionals.length > 1)
    throw new InputError(`the command must be "plan", got ${JSON.stringify(positionals.join(" "))}`);
  if (!["f32", "f64"].includes(values.precision))
    throw new InputError(`--precision must be f32 or f64, got ${JSON.stringify(values.precision)}`);
  if (!["measure", "patient"].includes(values.mode))
    throw new InputError(`--mode must be measure or patient, got ${JSON.stringify(values.mode)}`);
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !(values.budget.trim() !== "" && budget >= 0))
    throw new InputError(`--budget must be a number of ms >= 0, got ${JSON.stringify(values.budget)}`);
  if (values.sizes === undefined) throw new InputError("--sizes is required");
  return { shapes: parseSizes(values.sizes, values.precision), mode: values.mode, budget };
}

let args;
try {
  args = parseFlags(process.argv.slice(2));
} catch (error) {
  // parseArgs's own errors (an unknown flag, a missing value) are the command line's too
  if (!(error instanceof InputError) && !String(error?.code).startsWith("ERR_PARSE_ARGS")) throw error;
  console.error(`crossgrad: ${String(error.message).split("\n")[0]}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
await init({ plan: args.mode, planBudget: args.budget, planShapes: args.shapes });
console.log(JSON.stringify(exportWisdom(), null, 2));
