// npm run example:movielens on generated GroupLens folders (no dataset enters the repository):
// ml-100k's files (u.data, five folds, ua, u.item in Latin-1) and ml-latest's (ratings.csv with
// a header, movies.csv with quoted titles). The --json line must have the documented shape, its
// figures must be those of models that learned, and bad arguments exit with 2 and a reason.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Random } from "../src/util/random.js";

const root = mkdtempSync(join(tmpdir(), "crossgrad-movielens-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const GENRES = 19;

/**
 * Planted ratings of `users` x `items`: low rank, genre structure, and popularity as in GroupLens's
 * data (an item's popularity z both raises its ratings and makes it rated more often), about 6%
 * observed, so that a user's training items do not crowd the ranking LightFM's protocol makes.
 */
function ratings(users: number, items: number, seed = 11) {
  const random = new Random(seed);
  const normal = (s: number) => s * random.normal();
  const genre = Array.from({ length: items }, (_, i) => i % GENRES);
  const centres = Array.from({ length: GENRES }, () => [normal(0.8), normal(0.8)]);
  const q = genre.map((g) => centres[g].map((c) => c + normal(0.2)));
  const p = Array.from({ length: users }, () => [normal(0.8), normal(0.8)]);
  const z = Array.from({ length: items }, () => normal(1));
  const rows: [number, number, number, number][] = [];
  for (let u = 0; u < users; u++)
    for (let i = 0; i < items; i++) {
      if (random.next() >= Math.min(0.8, 0.035 * Math.exp(z[i]))) continue;
      const score = 3.5 + 0.4 * z[i] + p[u][0] * q[i][0] + p[u][1] * q[i][1] + normal(0.3);
      rows.push([u + 1, i + 1, Math.min(5, Math.max(1, Math.round(score))), 874965758 + rows.length]);
    }
  return { rows, genre };
}

function hundredK(dir: string) {
  mkdirSync(dir);
  const { rows, genre } = ratings(150, 300);
  const tsv = (list: typeof rows) => list.map((r) => r.join("\t")).join("\n") + "\n";
  writeFileSync(join(dir, "u.data"), tsv(rows));
  // five folds: rating r is in fold r mod 5's test
  for (let f = 1; f <= 5; f++) {
    writeFileSync(join(dir, `u${f}.base`), tsv(rows.filter((_, r) => r % 5 !== f - 1)));
    writeFileSync(join(dir, `u${f}.test`), tsv(rows.filter((_, r) => r % 5 === f - 1)));
  }
  // ua: 3 random ratings of each user in the test (as ua.test holds 10 of each user's)
  const pick = new Random(5);
  const byUser = new Map<number, number[]>();
  rows.forEach(([u], r) => byUser.set(u, [...(byUser.get(u) ?? []), r]));
  const inTest = new Array<boolean>(rows.length).fill(false);
  for (const list of byUser.values())
    for (let c = 0; c < 3 && list.length > 0; c++) inTest[list.splice(pick.below(list.length), 1)[0]] = true;
  writeFileSync(join(dir, "ua.base"), tsv(rows.filter((_, r) => !inTest[r])));
  writeFileSync(join(dir, "ua.test"), tsv(rows.filter((_, r) => inTest[r])));
  const item = genre.map((g, i) => {
    const flags = Array.from({ length: GENRES }, (_, f) => (f === g ? 1 : 0));
    return `${i + 1}|Caf\xe9 ${i} (1995)|01-Jan-1995||http://x|${flags.join("|")}`;
  });
  writeFileSync(join(dir, "u.item"), Buffer.from(item.join("\n") + "\n", "latin1"));
}

function latest(dir: string) {
  mkdirSync(dir);
  const { rows, genre } = ratings(150, 300, 12);
  writeFileSync(
    join(dir, "ratings.csv"),
    "userId,movieId,rating,timestamp\n" +
      rows.map(([u, i, r, t]) => `${u},${i},${r - 0.5 * (t % 2)},${t}`).join("\n") +
      "\n",
  );
  const names = ["Action", "Comedy", "Drama", "Horror", "Romance"];
  writeFileSync(
    join(dir, "movies.csv"),
    "movieId,title,genres\n" +
      genre
        .map((g, i) => `${i + 1},"Title, with a comma ${i} (2001)",${names[g % 5]}|${names[(g + 1) % 5]}`)
        .join("\n") +
      "\n",
  );
}

const run = (args: string[]) =>
  spawnSync(process.execPath, ["examples/movielens.mjs", ...args], { encoding: "utf8", timeout: 240_000 });

function checkReport(stdout: string, dataset: string) {
  const last = stdout.trim().split("\n").pop()!;
  const report = JSON.parse(last);
  expect(Object.keys(report)).toEqual(["dataset", "explicit", "implicit"]);
  expect(report.dataset).toBe(dataset);
  for (const recipe of ["mf", "svd++", "hybrid"]) {
    const e = report.explicit[recipe];
    expect(Object.keys(e)).toEqual(["rmse", "mae", "seconds"]);
    // ratings 1..5 around 3.5 with a spread near 1.1: the mean would score about 1.1
    expect(e.rmse).toBeGreaterThan(0.2);
    expect(e.rmse).toBeLessThan(1.0);
    expect(e.mae).toBeLessThan(e.rmse);
    expect(e.seconds).toBeGreaterThan(0);
    const i = report.implicit[recipe];
    expect(Object.keys(i)).toEqual(["precision@10", "recall@10", "ndcg@10", "auc", "seconds", "lightfm"]);
    expect(i.auc).toBeGreaterThan(0.6);
    expect(i.auc).toBeLessThanOrEqual(1);
    for (const key of ["precision@10", "recall@10", "ndcg@10"]) expect(i[key]).toBeGreaterThan(0);
    expect(Object.keys(i.lightfm)).toEqual(["precision@10", "auc"]);
    // LightFM's protocol also ranks a user's training items, which crowd small data: random is 0.5
    expect(i.lightfm.auc).toBeGreaterThan(0.55);
  }
  return report;
}

describe("npm run example:movielens", () => {
  it("trains every recipe on ml-100k's files: the five folds, ua, and u.item's genres", () => {
    const dir = join(root, "ml-100k");
    hundredK(dir);
    const table = run([dir]);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/explicit: mean over folds u1\.\.u5; hybrid with 19 genres/);
    expect(table.stdout).toMatch(/published: Surprise SVD \(ml-100k, 5-fold CV\): RMSE 0\.934/);
    expect(table.stdout).toMatch(/published: LightFM WARP .*precision@10 0\.11, AUC 0\.90/);
    const json = run([dir, "--json"]);
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout.trim().split("\n")).toHaveLength(1);
    checkReport(json.stdout, "ml-100k");
  });

  it("trains every recipe on a ratings.csv folder with a seeded 80/20 split and movies.csv's genres", () => {
    const dir = join(root, "ml-latest-tiny");
    latest(dir);
    const json = run([dir, "--json", "--seed", "3"]);
    expect(json.status, json.stderr).toBe(0);
    checkReport(json.stdout, "ml-latest-tiny");
    const table = run([dir, "--recipes", "mf"]);
    expect(table.stdout).toMatch(/a seeded 80\/20 split; hybrid with 5 genres/);
    expect(table.stdout).not.toMatch(/svd\+\+/);
  });

  it.each([
    [[], /give one GroupLens folder/],
    [[join(root, "nowhere")], /holds neither ml-100k's files .* nor ratings\.csv/],
    [[root, "--recipes", "svd"], /--recipes: "svd" is not one of mf, svd\+\+, hybrid/],
    [[root, "--seed", "1.5"], /--seed must be an integer from 0 to 4294967295/],
    [[root, "--frobnicate"], /Unknown option '--frobnicate'/],
  ])("%j exits with 2 and says why", (args, message) => {
    const result = run(args as string[]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/usage: npm run example:movielens/);
  });
});
