// flatThenLinear, the learning-rate schedule made for the epoch count: its values at the edges
// (one, two and three epochs, hold 0 and 1, final 0 and 1, epochs after the last), a rate that
// never rises, the held share that scales with the epochs, and its arguments refused by name.
import { describe, expect, it } from "vitest";
import { plantedProblem } from "../../examples/planted.js";
import { createModel, flatThenLinear, init, type FlatThenLinearOptions } from "../../src/index.js";

/** The schedule's rate for every epoch 0..epochs - 1. */
const rates = (rate: number, epochs: number, options?: FlatThenLinearOptions) => {
  const schedule = flatThenLinear(rate, epochs, options);
  return Array.from({ length: epochs }, (_, e) => schedule(e));
};

describe("flatThenLinear's rates", () => {
  const cases: [string, number, FlatThenLinearOptions | undefined, number[]][] = [
    ["one epoch trains at the full rate", 1, undefined, [1]],
    ["one epoch with hold 0 trains at the full rate too", 1, { hold: 0 }, [1]],
    ["two epochs: the full rate, then the final share", 2, undefined, [1, 0.05]],
    ["three epochs: the middle one is held (hold 0.5 of the span)", 3, undefined, [1, 1, 0.05]],
    ["hold 0 falls from the first epoch", 5, { hold: 0 }, [1, 0.7625, 0.525, 0.2875, 0.05]],
    ["hold 1 holds every epoch (final has no effect)", 4, { hold: 1, final: 0.1 }, [1, 1, 1, 1]],
    ["final 0 ends at 0", 3, { hold: 0, final: 0 }, [1, 0.5, 0]],
    ["final 1 is a constant rate", 4, { final: 1 }, [1, 1, 1, 1]],
    ["five epochs, the defaults", 5, undefined, [1, 1, 1, 0.525, 0.05]],
  ];
  it.each(cases)("%s", (_, epochs, options, expected) => {
    const got = rates(1, epochs, options);
    expect(got).toHaveLength(expected.length);
    got.forEach((rate, e) => expect(rate, `epoch ${e}`).toBeCloseTo(expected[e], 14));
  });

  it("gives the documented example: 0.01 for epochs 0..9 of 20, then down to exactly 0.01 * 0.05 at 19", () => {
    const schedule = flatThenLinear(0.01, 20);
    for (let e = 0; e <= 9; e++) expect(schedule(e)).toBe(0.01);
    expect(schedule(10)).toBeLessThan(0.01);
    expect(schedule(19)).toBe(0.01 * 0.05);
  });

  it("ends at exactly rate * final at the last epoch, for every epoch count from 2 and every hold below 1", () => {
    for (const rate of [0.3, 0.01, 1e-7])
      for (const final of [0, 0.05, 0.3, 1])
        for (const hold of [0, 0.25, 0.5, 0.9, 0.999])
          for (let epochs = 2; epochs <= 41; epochs++)
            expect(flatThenLinear(rate, epochs, { hold, final })(epochs - 1)).toBe(rate * final);
  });

  it("keeps the last epoch's rate after the last epoch (a fitPartial that goes on)", () => {
    for (const [epochs, options] of [
      [1, undefined],
      [2, undefined],
      [15, { final: 0.2 }],
      [7, { hold: 1 }],
    ] as const) {
      const schedule = flatThenLinear(0.02, epochs, options);
      for (const after of [epochs, epochs + 1, 10 * epochs, 2 ** 40])
        expect(schedule(after)).toBe(schedule(epochs - 1));
    }
  });

  it("never rises from one epoch to the next, starts at the rate and stays within [rate * final, rate]", () => {
    const wrong: string[] = [];
    for (const rate of [1, 0.01, 0.7])
      for (const final of [0, 0.05, 0.5, 1])
        for (const hold of [0, 0.1, 0.3, 1 / 3, 0.5, 0.7, 0.95, 1])
          for (let epochs = 1; epochs <= 60; epochs++) {
            const got = rates(rate, epochs, { hold, final });
            const where = `${epochs} epochs, rate ${rate}, hold ${hold}, final ${final}`;
            if (got[0] !== rate) wrong.push(`${where}: starts at ${got[0]}`);
            got.forEach((r, e) => {
              if (r > rate || r < rate * final) wrong.push(`${where}: epoch ${e} at ${r}`);
              if (e > 0 && r > got[e - 1]) wrong.push(`${where}: rises at epoch ${e}`);
            });
          }
    expect(wrong).toEqual([]);
  });

  it("holds the same share of the epochs at the full rate whatever their count", () => {
    // epochs 0..floor(hold (E - 1)) are held: 8 of 15, 20 of 40, 50 of 100 at hold 0.5
    for (const [epochs, held] of [
      [15, 8],
      [40, 20],
      [100, 50],
    ]) {
      const got = rates(0.01, epochs);
      expect(got.filter((r) => r === 0.01)).toHaveLength(held);
    }
    // and the schedule for more epochs is the one for fewer, stretched: at the same share of the
    // run, the rates agree (epoch 14 of 15 and epoch 39 of 40 are both the last)
    const short = flatThenLinear(0.01, 15),
      long = flatThenLinear(0.01, 40);
    for (let e = 0; e < 15; e++) {
      const share = e / 14;
      const atShare = long(share * 39);
      expect(short(e)).toBeCloseTo(atShare, 12);
    }
  });

  it("is what fit trains with: each epoch's report carries the schedule's rate", async () => {
    await init();
    const planted = plantedProblem({ n: 6, m: 6, k: 2, count: 60, seed: 3 });
    const model = createModel({ n: 6, m: 6, k: 2 }, { seed: 3 });
    const schedule = flatThenLinear(0.02, 5);
    const history = model.fit(planted.observations, { epochs: 5, optimizer: { type: "adam", learningRate: schedule } });
    expect(history.epochs.map((e) => e.learningRate)).toEqual([0, 1, 2, 3, 4].map(schedule));
    expect(history.epochs.at(-1)!.learningRate).toBe(0.02 * 0.05);
    model.dispose();
  });
});

describe("flatThenLinear refuses bad arguments, naming them", () => {
  const call =
    (...args: unknown[]) =>
    () =>
      (flatThenLinear as (...a: unknown[]) => unknown)(...args);
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    ["a missing rate", call(), TypeError, /^flatThenLinear\(\): rate must be a number, got undefined$/],
    ["a rate as text", call("0.01", 10), TypeError, /^flatThenLinear\(\): rate must be a number, got string$/],
    [
      "a negative rate",
      call(-0.01, 10),
      RangeError,
      /^flatThenLinear\(\): rate must be a finite number of at least 0, got -0\.01$/,
    ],
    ["a NaN rate", call(NaN, 10), RangeError, /^flatThenLinear\(\): rate must be .*, got NaN$/],
    ["an infinite rate", call(Infinity, 10), RangeError, /^flatThenLinear\(\): rate must be .*, got Infinity$/],
    ["a missing epoch count", call(0.01), TypeError, /^flatThenLinear\(\): epochs must be a number, got undefined$/],
    [
      "0 epochs",
      call(0.01, 0),
      RangeError,
      /^flatThenLinear\(\): epochs must be an integer from 1 to 2147483647, got 0$/,
    ],
    [
      "a fractional epoch count",
      call(0.01, 2.5),
      RangeError,
      /^flatThenLinear\(\): epochs must be an integer .*, got 2\.5$/,
    ],
    [
      "infinite epochs",
      call(0.01, Infinity),
      RangeError,
      /^flatThenLinear\(\): epochs must be an integer .*, got Infinity$/,
    ],
    ["epochs as text", call(0.01, "10"), TypeError, /^flatThenLinear\(\): epochs must be a number, got string$/],
    [
      "options that are a number",
      call(0.01, 10, 0.5),
      TypeError,
      /^flatThenLinear\(\): options must be an object or undefined, got number$/,
    ],
    [
      "null options",
      call(0.01, 10, null),
      TypeError,
      /^flatThenLinear\(\): options must be an object or undefined, got null$/,
    ],
    [
      "an unknown option",
      call(0.01, 10, { holds: 0.3 }),
      TypeError,
      /^flatThenLinear\(\): options\.holds is not an option; the options are hold, final$/,
    ],
    [
      "a hold as text",
      call(0.01, 10, { hold: "0.5" }),
      TypeError,
      /^flatThenLinear\(\): options\.hold must be a number, got string$/,
    ],
    [
      "a hold above 1",
      call(0.01, 10, { hold: 1.5 }),
      RangeError,
      /^flatThenLinear\(\): options\.hold must be a finite number from 0 to 1, got 1\.5$/,
    ],
    [
      "a negative hold",
      call(0.01, 10, { hold: -0.1 }),
      RangeError,
      /^flatThenLinear\(\): options\.hold must be .*, got -0\.1$/,
    ],
    [
      "a NaN final",
      call(0.01, 10, { final: NaN }),
      RangeError,
      /^flatThenLinear\(\): options\.final must be .*, got NaN$/,
    ],
    [
      "a final above 1",
      call(0.01, 10, { final: 2 }),
      RangeError,
      /^flatThenLinear\(\): options\.final must be a finite number from 0 to 1, got 2$/,
    ],
    [
      "a final as a boolean",
      call(0.01, 10, { final: true }),
      TypeError,
      /^flatThenLinear\(\): options\.final must be a number, got boolean$/,
    ],
    [
      "an option whose getter throws",
      call(0.01, 10, {
        get hold() {
          throw new Error("no");
        },
      }),
      TypeError,
      /^flatThenLinear\(\): reading options\.hold threw: no$/,
    ],
  ];
  it.each(cases)("%s", (_, thunk, type, message) => {
    expect(thunk).toThrow(type);
    expect(thunk).toThrow(message);
  });

  it("takes rate 0 (a schedule that does not move) and undefined options or options fields", () => {
    expect(rates(0, 3)).toEqual([0, 0, 0]);
    expect(rates(1, 3, {})).toEqual(rates(1, 3));
    expect(rates(1, 3, { hold: undefined, final: undefined })).toEqual(rates(1, 3));
  });
});
