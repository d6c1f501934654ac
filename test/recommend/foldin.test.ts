// Fold-in (docs/recommend.md): users and items added to the maps after training are fit from
// their interactions alone, every other row frozen. The rows the model had keep their bits, a
// folded-in user ranks their held-out items about as well as one trained with everyone, new
// items join the table, and the refusals name what is wrong.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/index.js";
import {
  IdMap,
  implicit,
  parseInteractions,
  rankingMetrics,
  trainRecipe,
  type Interactions,
  type RecipeName,
} from "../../src/recommend/index.js";
import { interactions } from "../../src/recommend/interactions.js";
import { Random } from "../../src/util/random.js";

beforeAll(() => init());

const USERS = 120,
  ITEMS = 80;

/** Planted positives: user u likes item i when their tastes agree (two factors), some dropped. */
function planted(seed = 4) {
  const random = new Random(seed);
  const taste = Array.from({ length: USERS }, () => [random.normal(), random.normal()]);
  const kind = Array.from({ length: ITEMS }, () => [random.normal(), random.normal()]);
  const liked: [number, number][] = [];
  for (let u = 0; u < USERS; u++)
    for (let i = 0; i < ITEMS; i++) {
      const score = taste[u][0] * kind[i][0] + taste[u][1] * kind[i][1];
      if (score > 0.8 && random.next() < 0.7) liked.push([u, i]);
    }
  return liked;
}

/** Interactions of (user id, item id) pairs over the given maps, ids added as they come. */
function of(users: IdMap<string>, items: IdMap<string>, list: readonly (readonly [string, string])[]): Interactions {
  const user = Uint32Array.from(list, ([u]) => users.add(u)),
    item = Uint32Array.from(list, ([, i]) => items.add(i));
  return interactions(users, items, user, item, new Float32Array(list.length).fill(1), undefined, false);
}

describe("Recommender.foldIn", () => {
  const liked = planted();
  const random = new Random(8);
  // 20 users with 8 positives or more held out: half of each one's positives known (the first
  // always), the rest to rank
  const counts = new Array<number>(USERS).fill(0);
  for (const [u] of liked) counts[u]++;
  const many = [...counts.keys()].filter((u) => counts[u] >= 8);
  const held = new Set<number>();
  while (held.size < 20) held.add(many[random.below(many.length)]);
  const known: [number, number][] = [],
    hidden: [number, number][] = [],
    rest: [number, number][] = [];
  for (const pair of liked) {
    if (!held.has(pair[0])) rest.push(pair);
    else (!known.some(([u]) => u === pair[0]) || random.next() < 0.5 ? known : hidden).push(pair);
  }
  const id = ([u, i]: [number, number]) => [`u${u}`, `i${i}`] as const;

  it.each(["mf", "svd++"] as const)(
    "%s: fits new users from their positives alone, about as well as training with everyone",
    (recipe: RecipeName) => {
      // with everyone: the held-out users train on their known positives
      const usersA = new IdMap<string>(),
        itemsA = new IdMap<string>();
      for (let i = 0; i < ITEMS; i++) itemsA.add(`i${i}`);
      const everyone = of(usersA, itemsA, [...rest, ...known].map(id));
      const withEveryone = trainRecipe(everyone, { recipe, seed: 2 });
      const testA = of(usersA, itemsA, hidden.map(id));
      const heldA = [...held].map((u) => usersA.get(`u${u}`)!);
      const a = rankingMetrics(withEveryone.scorer, testA, { k: 10, exclude: everyone, users: heldA });

      // without them, then folded in one by one
      const users = new IdMap<string>(),
        items = new IdMap<string>();
      for (let i = 0; i < ITEMS; i++) items.add(`i${i}`);
      const model = trainRecipe(of(users, items, rest.map(id)), { recipe, seed: 2 });
      const before = model.model.phi.slice(),
        rows = model.model.shape.n + model.model.shape.m;
      for (const u of held) model.foldIn(of(users, items, known.filter(([v]) => v === u).map(id)));
      // the rows the model had keep their bits: A's, then B's, which moved up by the new A rows
      const grownA = model.model.shape.n - (rows - model.model.shape.m);
      const k = model.model.shape.k,
        oldN = rows - ITEMS;
      expect(model.model.phi.subarray(0, oldN * k)).toEqual(before.subarray(0, oldN * k));
      expect(model.model.phi.subarray((oldN + grownA) * k, (oldN + grownA + ITEMS) * k)).toEqual(
        before.subarray(oldN * k, rows * k),
      );
      const knownB = of(users, items, [...rest, ...known].map(id)),
        testB = of(users, items, hidden.map(id));
      const b = rankingMetrics(model.scorer, testB, {
        k: 10,
        exclude: knownB,
        users: [...held].map((u) => users.get(`u${u}`)!),
      });
      expect(a.users).toBe(b.users);
      expect(a.auc).toBeGreaterThan(0.75);
      expect(b.auc).toBeGreaterThan(a.auc - 0.08);
      // recommend leaves out what a folded-in user is known to like
      const first = users.get(`u${[...held][0]}`)!;
      const top = model.recommend([first], { k: 5 });
      const theirs = new Set(known.filter(([v]) => v === [...held][0]).map(([, i]) => items.get(`i${i}`)));
      for (const j of top.items) expect(theirs.has(j)).toBe(false);
      withEveryone.dispose();
      model.dispose();
    },
  );

  it("adds new items to the table, and keeps an unlisted new id cold", () => {
    const data = parseInteractions("a,x,1\na,y,1\nb,y,1\nb,z,1\nc,x,1\nc,z,1\n");
    const model = trainRecipe(implicit(data), { epochs: 3, validation: 0 });
    const { users, items } = data;
    const silent = users.add("silent");
    model.foldIn(
      of(users, items, [
        ["d", "x"],
        ["d", "new item"],
        ["a", "new item"],
      ]),
    );
    const newItem = items.get("new item")!;
    expect(model.recommend([users.get("b")!], { k: 2 }).items).toContain(newItem);
    const out = new Float32Array(items.size);
    model.scorer(silent, out);
    expect(out.every((x) => x === Math.fround(model.model.w0 + 0) || Number.isFinite(x))).toBe(true);
    expect(model.similarItems([newItem], { k: 3 }).items.every((j) => j >= 0)).toBe(true);
    model.dispose();
  });

  it("refuses interactions with nothing new, over other maps, without ratings for a rating recipe, and after dispose", () => {
    const data = parseInteractions("a,x,5\na,y,3\nb,y,4\nb,z,2\n");
    const model = trainRecipe(data, { epochs: 2, validation: 0 });
    expect(() => model.foldIn(data)).toThrow(
      "Recommender.foldIn(): interactions list no user or item added since training; nothing to fold in",
    );
    expect(() => model.foldIn(parseInteractions("c,x,5\n"))).toThrow(
      "Recommender.foldIn(): interactions must be over the recommender's IdMaps",
    );
    data.users.add("c");
    expect(() => model.foldIn(of(data.users, data.items, [["c", "x"]]))).toThrow(
      "Recommender.foldIn(): a rating recipe folds in ratings, and interactions has none",
    );
    expect(() => model.foldIn(data, { epochs: 0 })).toThrow("options.epochs must be an integer from 1");
    model.dispose();
    expect(() => model.foldIn(data)).toThrow("Recommender.foldIn(): this Recommender was disposed");
  });
});
