// Wisdom (docs/planner.md): the planner's settled choices as a JSON value, carried to a later
// process as FFTW's wisdom is. Choices are the machine's, so wisdom is keyed to what measured
// it (the wasm build's hash, the engine, the CPU the host names) and records the mode that made
// it; wisdom from elsewhere is refused unless the caller accepts it.
import { checkOptions } from "../util/checks.js";
import { describe, isList, readFields, shown } from "../util/read.js";
import type { PlanBits } from "./loader.js";
import { adoptChoices, settledChoices } from "./planner.js";
import { variantBits, type PlanJob, type Variant } from "./variants.js";

/** What measured a piece of wisdom: the wasm build's hash, the engine, the CPU as the host names it. */
export interface WisdomKey {
  /** FNV-1a of the module's bytes (`"unhashed"` for a `source` given as a Module or Response). */
  readonly build: string;
  /** The build (SIMD or scalar) and the runtime with its version (a browser's user agent). */
  readonly engine: string;
  /** The CPU's model and thread count where the host tells them (Node, Deno, Bun), else the thread count. */
  readonly cpu: string;
}

/**
 * The variants chosen on a machine, by size class and kernel, for {@link importWisdom}: a plain
 * JSON value. A class is written `"f32 phi<=2^24 row<=2^8"`: the precision, phi's bytes and a
 * row's bytes, each rounded up to a power of two. `mode` is the least patient mode among the
 * choices.
 */
export interface Wisdom {
  readonly format: "crossgrad-wisdom";
  readonly version: 3;
  readonly key: WisdomKey;
  readonly mode: "measure" | "patient";
  readonly plans: Readonly<Record<string, Readonly<Partial<Record<PlanJob, Variant>>>>>;
}

/** Options of {@link importWisdom}. */
export interface ImportWisdomOptions {
  /** Import wisdom measured by another build, engine or CPU, or without a key (version 1 and 2). Default false. */
  readonly acceptForeign?: boolean;
}

/** FNV-1a (32 bits) of a text's char codes or of bytes: cheap, stable, enough to tell builds apart. */
export function fnv1a(data: string | Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    hash ^= typeof data === "string" ? data.charCodeAt(i) : data[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** The host's globals that name its runtime and CPU, each feature-detected (no node: import). */
interface HostGlobals {
  readonly Deno?: { readonly version?: { readonly deno: string } };
  readonly Bun?: { readonly version: string };
  readonly process?: {
    readonly versions?: { readonly node?: string };
    getBuiltinModule?(name: string): { cpus?(): { readonly model: string }[] } | undefined;
  };
  readonly navigator?: { readonly userAgent?: string; readonly hardwareConcurrency?: number };
}

/** The runtime with its version, and the CPU, as this host names them. */
export function hostSignature(): { runtime: string; cpu: string } {
  const g = globalThis as HostGlobals;
  const runtime = g.Deno?.version
    ? `Deno ${g.Deno.version.deno}`
    : g.Bun
      ? `Bun ${g.Bun.version}`
      : g.process?.versions?.node
        ? `Node ${g.process.versions.node}`
        : (g.navigator?.userAgent ?? "unknown runtime");
  let cpus: { readonly model: string }[] | undefined;
  try {
    cpus = g.process?.getBuiltinModule?.("node:os")?.cpus?.();
  } catch {
    // a host without node:os names no CPU model
  }
  const threads = cpus?.length || g.navigator?.hardwareConcurrency;
  return { runtime, cpu: `${cpus?.[0]?.model.trim() || "unknown CPU"}, ${threads ?? "?"} threads` };
}

let keyOf: (() => WisdomKey) | undefined;
let key: WisdomKey | undefined;

/** @internal init() names the build it loaded; the key is computed on first use. */
export function setWisdomKey(build: () => string, simd: boolean): void {
  key = undefined;
  keyOf = () => {
    const host = hostSignature();
    return { build: build(), engine: `${simd ? "SIMD" : "scalar"} build, ${host.runtime}`, cpu: host.cpu };
  };
}

function ownKey(caller: string): WisdomKey {
  if (!keyOf) throw new Error(`crossgrad is not initialised: await init() before calling ${caller}()`);
  return (key ??= keyOf());
}

/**
 * The variants chosen on this machine so far (settled classes only), as a JSON value to store
 * and pass to {@link importWisdom} in a later process (a service's start, a page's next visit),
 * which then skips the measuring. It carries the key of what measured it and the mode.
 *
 * @example
 * ```ts
 * await init();
 * exportWisdom().key.engine; // "SIMD build, Node 20.20.2"
 * localStorage.setItem("crossgrad-wisdom", JSON.stringify(exportWisdom()));
 * ```
 */
export function exportWisdom(): Wisdom {
  const wisdomKey = ownKey("exportWisdom");
  const out: Record<string, Partial<Record<PlanJob, Variant>>> = {};
  const choices = settledChoices();
  let patient = choices.length > 0;
  for (const [sizeClass, job, variant, how] of choices) {
    (out[sizeClass] ??= {})[job] = variant;
    patient &&= how === "patient";
  }
  return { format: "crossgrad-wisdom", version: 3, key: wisdomKey, mode: patient ? "patient" : "measure", plans: out };
}

/** An object's own enumerable entries, read once; a getter or Proxy trap that throws is a TypeError naming `name`. */
function entriesOf(object: object, name: string): [string, unknown][] {
  try {
    return Object.entries(object);
  } catch (cause) {
    throw new TypeError(`importWisdom(): reading ${name} threw: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

/** Bits that tell variants apart, for checking a variant's name before any module is loaded. */
const NAMES_ONLY: PlanBits = { compact: 1, wideStrips: 2, multiBlock: 4, fused: 8, fillFirst: 16, touchAhead: 32 };

const CLASS = /^(f32|f64) phi<=2\^(\d|[1-5]\d) row<=2\^(\d|[1-2]\d)$/;
const JOBS: readonly PlanJob[] = ["value", "valueAndGradient", "gateGradient"];
const KEY_FIELDS: readonly (keyof WisdomKey)[] = ["build", "engine", "cpu"];

/** The Error for wisdom from elsewhere, naming what differs, unless `acceptForeign`. */
function checkKey(version: number, wisdomKey: unknown, acceptForeign: boolean): void {
  if (acceptForeign) return;
  const accept = "; pass { acceptForeign: true } to import it anyway";
  if (version < 3)
    throw new Error(
      `importWisdom(): wisdom of version ${version} has no key of the build, engine and CPU that measured it${accept}`,
    );
  const own = ownKey("importWisdom");
  const theirs = wisdomKey as WisdomKey;
  const differs = KEY_FIELDS.filter((f) => theirs[f] !== own[f] || own[f] === "unhashed");
  if (differs.length)
    throw new Error(
      `importWisdom(): the wisdom was measured elsewhere: its ${differs
        .map((f) => `${f} ${shown(theirs[f])} is not this one's ${shown(own[f])}`)
        .join(", its ")}${accept}`,
    );
}

/**
 * Adds the choices of `wisdom` (from {@link exportWisdom}) to the plan: a class and kernel it
 * names is then never timed (a patient planner re-measures wisdom made by measure). Wisdom that
 * another build, engine or CPU measured, and versions 1 and 2 (which carry no key), are refused
 * with an Error naming what differs unless `options.acceptForeign`. Throws TypeError naming the
 * first thing that is not wisdom. Adds nothing when it throws.
 *
 * @example
 * ```ts
 * await init();
 * importWisdom(JSON.parse(localStorage.getItem("crossgrad-wisdom") ?? "null") ?? exportWisdom());
 * ```
 */
export function importWisdom(wisdom: Wisdom, options?: ImportWisdomOptions): void {
  const fail = (what: string) => new TypeError(`importWisdom(): ${what}`);
  const { acceptForeign = false } = checkOptions<ImportWisdomOptions>("importWisdom", "options", options, [
    "acceptForeign",
  ]);
  if (typeof acceptForeign !== "boolean")
    throw fail(`options.acceptForeign must be a boolean or undefined, got ${describe(acceptForeign)}`);
  if (typeof wisdom !== "object" || wisdom === null || isList(wisdom))
    throw fail(`wisdom must be the object exportWisdom() returns, got ${describe(wisdom)}`);
  const fields = readFields("importWisdom", "wisdom", wisdom, ["format", "version", "loops", "plans", "key", "mode"]);
  const { format, version } = fields;
  if (format !== "crossgrad-wisdom" || (version !== 1 && version !== 2 && version !== 3))
    throw fail(
      `wisdom.format must be "crossgrad-wisdom" and wisdom.version 3 (or 2 or 1), got ${shown(format)} and ${shown(version)}`,
    );
  if (version === 3) {
    const wisdomKey = fields.key;
    if (typeof wisdomKey !== "object" || wisdomKey === null || isList(wisdomKey))
      throw fail(`wisdom.key must be an object, got ${describe(wisdomKey)}`);
    const keyFields = readFields("importWisdom", "wisdom.key", wisdomKey, KEY_FIELDS);
    for (const f of KEY_FIELDS)
      if (typeof keyFields[f] !== "string")
        throw fail(`wisdom.key.${f} must be a string, got ${describe(keyFields[f])}`);
    if (fields.mode !== "measure" && fields.mode !== "patient")
      throw fail(`wisdom.mode must be "measure" or "patient", got ${shown(fields.mode)}`);
  }
  const field = version === 1 ? "loops" : "plans";
  const table = version === 1 ? fields.loops : fields.plans;
  if (typeof table !== "object" || table === null || isList(table))
    throw fail(`wisdom.${field} must be an object, got ${describe(table)}`);
  const checked: [string, PlanJob, Variant][] = [];
  for (const [key, entry] of entriesOf(table, `wisdom.${field}`)) {
    if (!CLASS.test(key))
      throw fail(`wisdom.${field} has ${shown(key)}, which is not a size class such as "f32 phi<=2^24 row<=2^8"`);
    const named: unknown = version === 1 ? { value: entry } : entry;
    if (typeof named !== "object" || named === null || isList(named))
      throw fail(`wisdom.plans[${shown(key)}] must be an object of variants by kernel, got ${describe(named)}`);
    for (const [job, variant] of entriesOf(named, `wisdom.plans[${shown(key)}]`)) {
      const where = version === 1 ? `wisdom.loops[${shown(key)}]` : `wisdom.plans[${shown(key)}].${job}`;
      if (!JOBS.includes(job as PlanJob))
        throw fail(
          `wisdom.plans[${shown(key)}] has ${shown(job)}, which is not value, valueAndGradient or gateGradient`,
        );
      const extras = job === "valueAndGradient";
      if (
        typeof variant !== "string" ||
        variantBits(variant, NAMES_ONLY) === undefined ||
        (!extras && variant.includes("+")) ||
        (version === 1 && variant !== "compacted" && variant !== "streaming")
      )
        throw fail(
          `${where} must be ${version === 1 ? '"compacted" or "streaming"' : `a variant such as ${extras ? '"streaming+fused"' : '"streaming"'}`}, got ${shown(variant)}`,
        );
      checked.push([key, job as PlanJob, variant]);
    }
  }
  checkKey(version, fields.key, acceptForeign);
  adoptChoices(checked, fields.mode === "patient" ? "patient" : "measure");
}
