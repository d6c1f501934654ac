// The recommender view of the demo page: a visitor drops a ratings file (or takes a generated
// catalogue), trains a recipe, and asks for a user's top 10 and for the items most like an item.
// The data and the model live in recommend-worker.js; this thread only sends requests and draws
// their answers, so none of its tasks lasts long whatever the file's size. Every control checks
// its input and says what is wrong next to it.
import { InputError } from "../options.js";
import { $, clearChart, drawChart, escapeHtml, readFields } from "./page.js";
import { Stopped, WorkerClient } from "./requests.js";

/** The most epochs each recipe trains by default (crossgrad's defaults, docs/recommend.md). */
const defaultEpochs = (recipe, target) => (target === "likes" ? 30 : recipe === "svd++" ? 10 : 15);

let client;
/** What the worker holds: the loaded data's summary, then whether its model predicts ratings. */
let loaded, trained;

/** The worker that holds the data and the model (a new one for each load). */
export function recommenderWorker() {
  return (client ??= new WorkerClient(new URL("./recommend-worker.js", import.meta.url)));
}

/** Shows `error` in the element `where`, unless its worker was stopped on purpose. */
const show = (where) => (error) => {
  if (!(error instanceof Stopped)) $(where).textContent = error.message;
};

const plural = (count, word) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;

/** Sets whether the controls of a step can be used. */
function enable(ids, on) {
  for (const id of ids) $(id).disabled = !on;
}
const USER_CONTROLS = ["user", "show-user", "random-user", "item", "show-item"];

/** Clears what a model showed: its figures, chart and lists. */
function clearModel() {
  trained = undefined;
  enable(USER_CONTROLS, false);
  for (const id of ["fit-error", "fit-result", "user-error", "item-error"]) $(id).textContent = "";
  $("fit-status").value = "";
  $("fit-progress").hidden = true;
  clearChart($("fit-chart"));
  for (const id of ["top", "rated", "similar"]) $(id).innerHTML = "";
  for (const id of ["top-title", "rated-title", "similar-title"]) $(id).textContent = "";
}

// --- 1. Ratings: a file dropped or chosen, or the generated catalogue ------------------------

/** Loads files or the generated catalogue in a new worker (the old one, with any training, ends). */
async function load(args, label) {
  client?.terminate();
  client = undefined;
  loaded = undefined;
  clearModel();
  $("fit").disabled = true;
  $("data-error").textContent = "";
  $("data-summary").textContent = label;
  const progress = $("read-progress");
  progress.hidden = false;
  progress.removeAttribute("value"); // indeterminate until the first bytes are counted
  const worker = recommenderWorker();
  try {
    const summary = await worker.call("load", args, ({ bytes, totalBytes, name }) => {
      [progress.max, progress.value] = [totalBytes ?? 1, bytes];
      $("data-summary").textContent =
        `reading ${name}: ${(bytes / 1e6).toFixed(1)} of ${((totalBytes ?? 0) / 1e6).toFixed(1)} MB`;
    });
    if (worker !== client) return; // another load started meanwhile
    loaded = summary;
    showSummary(summary);
    $("fit").disabled = false;
  } catch (error) {
    if (worker !== client) return;
    $("data-summary").textContent = "";
    show("data-error")(error);
  } finally {
    if (worker === client) progress.hidden = true;
  }
}

function showSummary(s) {
  const [low, high] = s.ratingRange;
  const what = s.hasRatings
    ? `${plural(s.count, "rating")} (${low} to ${high})`
    : `${plural(s.count, "interaction")} without ratings (each one a like)`;
  let text = `${s.name}: ${what} by ${plural(s.users, "user")} of ${plural(s.items, "item")}`;
  if (s.skipped) text += ` (${plural(s.skipped, "line")} skipped)`;
  if (s.titles)
    text += `; ${s.titles.name}: titles of ${s.titles.titled.toLocaleString("en-US")}, ${plural(s.titles.genres, "genre")}`;
  $("data-summary").textContent = `${text}.`;
  // the choices the data allows: ratings need a rating column, the hybrid needs genres
  $("target").querySelector('[value="ratings"]').disabled = !s.hasRatings;
  if (!s.hasRatings) $("target").value = "likes";
  $("recipe").querySelector('[value="hybrid"]').disabled = !s.titles?.genres;
  if ($("recipe").value === "hybrid" && !s.titles?.genres) $("recipe").value = "mf";
  if (s.hasRatings && !(4 >= low && 4 <= high)) $("threshold").value = String(high);
  syncControls();
}

$("files").addEventListener("change", () => {
  const files = [...$("files").files];
  if (files.length) load({ files }, `reading ${files.map((f) => f.name).join(" and ")}…`);
});
$("generate").addEventListener("click", () =>
  load({ generated: { users: 610, items: 9700, ratings: 100_000, seed: 1 } }, "generating a catalogue…"),
);
// a file dropped anywhere on the recommender is taken (the browser would open it in place of the page)
const drop = $("drop");
const onRecommender = () => !$("recommender").hidden;
document.addEventListener("dragover", (event) => {
  event.preventDefault();
  if (onRecommender()) drop.classList.add("over");
});
document.addEventListener("dragleave", (event) => {
  if (!event.relatedTarget) drop.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (!onRecommender()) return;
  const files = [...(event.dataTransfer?.files ?? [])];
  if (files.length) load({ files }, `reading ${files.map((f) => f.name).join(" and ")}…`);
  else $("data-error").textContent = "that was not a file: drop ratings.csv or u.data from your files";
});

// --- 2. Train ----------------------------------------------------------------------------------

/** The likes threshold only means something for likes of rated data; epochs follow the recipe. */
let epochsEdited = false;
$("rec-epochs").addEventListener("input", () => (epochsEdited = true));
function syncControls() {
  $("threshold").disabled = $("target").value !== "likes" || loaded?.hasRatings === false;
  if (!epochsEdited) $("rec-epochs").value = String(defaultEpochs($("recipe").value, $("target").value));
}
$("target").addEventListener("change", syncControls);
$("recipe").addEventListener("change", syncControls);
syncControls();

/** The likes threshold: a number within the file's ratings, or an InputError. */
function threshold() {
  const text = $("threshold").value.trim();
  const value = Number(text);
  const [low, high] = loaded.ratingRange;
  if (text === "" || !Number.isFinite(value) || value < low || value > high)
    throw new InputError(
      "threshold",
      `likes from must be a rating from ${low} to ${high} (the file's ratings), got ${JSON.stringify(text)}`,
    );
  return value;
}

$("fit").addEventListener("click", async () => {
  if (!loaded) return;
  clearModel();
  const target = $("target").value,
    recipe = $("recipe").value;
  const likes = target === "likes" && loaded.hasRatings;
  const fields = readFields(
    { epochs: "rec-epochs" },
    "fit-error",
    () => {},
    () => likes && threshold(),
  );
  if (!fields) return;
  const args = { recipe, target, epochs: fields.epochs, ...(likes && { threshold: threshold() }) };
  const worker = recommenderWorker();
  // a new file or the catalogue may still be loaded: that ends this training (and its worker)
  $("fit").disabled = true;
  const progress = $("fit-progress");
  [progress.hidden, progress.value, progress.max] = [false, 0, 1];
  const epochs = [],
    loss = target === "likes" ? "warp" : "squared";
  const started = performance.now();
  let refitTotal = 0;
  const tell = ({ run, epoch, loss: value, validationLoss }) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (run === "validated") {
      epochs.push({ epoch, loss: value, validationLoss });
      const shown =
        loss === "squared" ? `RMSE ${Math.sqrt(validationLoss).toFixed(4)}` : `loss ${validationLoss.toFixed(4)}`;
      $("fit-status").value =
        `choosing the epochs: epoch ${epoch + 1} of at most ${args.epochs}, held-out ${shown}; ${seconds} s`;
      [progress.max, progress.value] = [2 * args.epochs, epoch + 1];
      drawChart($("fit-chart"), epochs, { title: `${recipe}: loss per epoch`, loss });
    } else {
      // the refit trains on everything for the epochs where the held-out loss was least
      refitTotal ||= 1 + epochs.reduce((best, e, i) => (e.validationLoss < epochs[best].validationLoss ? i : best), 0);
      $("fit-status").value = `training on all: epoch ${epoch + 1} of ${refitTotal}; ${seconds} s`;
      [progress.max, progress.value] = [epochs.length + refitTotal, epochs.length + epoch + 1];
    }
  };
  try {
    const result = await worker.call("train", args, tell);
    trained = result;
    $("fit-status").value = `trained in ${result.seconds.toFixed(1)} s (${plural(result.trainedEpochs, "epoch")})`;
    $("fit-result").textContent = quality(result.quality);
    enable(USER_CONTROLS, true);
    $("user").value = loaded.firstUser;
    await showUser({ user: loaded.firstUser });
  } catch (error) {
    show("fit-error")(error);
    $("fit-status").value = "";
  } finally {
    if (worker === client) {
      progress.hidden = true;
      $("fit").disabled = false;
    }
  }
});

/** The held-out tenth's figures, in words. */
function quality(q) {
  return "rmse" in q
    ? `On ${plural(q.count, "held-out rating")}: RMSE ${q.rmse.toFixed(3)} stars, MAE ${q.mae.toFixed(3)} (the mean rating alone: RMSE ${q.meanRmse.toFixed(3)}).`
    : `On the held-out likes of ${plural(q.users, "user")}: precision@10 ${q.precision.toFixed(3)}, recall@10 ${q.recall.toFixed(3)}, AUC ${q.auc.toFixed(3)}.`;
}

// --- 3. Recommend --------------------------------------------------------------------------------

/**
 * A list of items as a table: rank, the item (a button: the items like it) with its genres, and
 * its figure under `heading` (none without one).
 */
function itemTable(items, heading, digits = 2) {
  if (!items.length) return `<tr><td>none</td></tr>`;
  const rows = items.map(({ id, title, genres, score }, i) => {
    const name = title ? `${escapeHtml(title)} (${escapeHtml(id)})` : `item ${escapeHtml(id)}`;
    const kinds = genres.length ? `<span class="genres">${escapeHtml(genres.join(", "))}</span>` : "";
    const figure = heading ? `<td class="number">${score.toFixed(digits)}</td>` : "";
    return `<tr><td class="number">${i + 1}</td><td class="name"><button class="item" data-item="${escapeHtml(id)}">${name}</button>${kinds}</td>${figure}</tr>`;
  });
  return `<tr><th>#</th><th class="name">item</th>${heading ? `<th>${heading}</th>` : ""}</tr>${rows.join("")}`;
}

/** The latest request of each list: an answer to an older one is not drawn. */
const latest = { user: 0, item: 0 };

/** Asks for a user's top 10 (`{ user }` by id, or `{ random: true }`) and shows it beside what they rated. */
async function showUser(request) {
  const ticket = ++latest.user;
  $("user-error").textContent = "";
  $("user").removeAttribute("aria-invalid");
  try {
    const r = await recommenderWorker().call("recommend", request);
    if (ticket !== latest.user) return;
    // the field shows whom the list is for, unless the visitor has typed another id meanwhile
    if (request.random || $("user").value === request.user) $("user").value = r.user;
    $("top-title").textContent = `Top 10 for user ${r.user}`;
    $("top").innerHTML = itemTable(r.top, r.explicit ? "predicted" : "score");
    $("rated-title").textContent = r.hasRatings
      ? `User ${r.user} rated ${plural(r.ratedCount, "item")}; the best:`
      : `User ${r.user} has ${plural(r.ratedCount, "item")}; the latest:`;
    $("rated").innerHTML = itemTable(r.rated, r.hasRatings && "rating", 1);
  } catch (error) {
    if (ticket !== latest.user) return;
    $("user").setAttribute("aria-invalid", "true");
    show("user-error")(error);
  }
}

/** Asks for the items most like an item (an id, or a part of a title). */
async function showSimilar(item) {
  const ticket = ++latest.item;
  $("item-error").textContent = "";
  $("item").removeAttribute("aria-invalid");
  try {
    const r = await recommenderWorker().call("similar", { item });
    if (ticket !== latest.item) return;
    if ($("item").value === item) $("item").value = r.item.id; // a title's part: the item it found
    $("similar-title").textContent = `Most like ${r.item.title ?? `item ${r.item.id}`}`;
    $("similar").innerHTML = itemTable(r.similar, "cosine");
  } catch (error) {
    if (ticket !== latest.item) return;
    $("item").setAttribute("aria-invalid", "true");
    show("item-error")(error);
  }
}

$("show-user").addEventListener("click", () => {
  if ($("user").value.trim() === "") {
    $("user-error").textContent = "user must be an id from the ratings file, got nothing";
    $("user").setAttribute("aria-invalid", "true");
    return;
  }
  showUser({ user: $("user").value });
});
$("user").addEventListener("keydown", (event) => event.key === "Enter" && $("show-user").click());
$("random-user").addEventListener("click", () => showUser({ random: true }));
$("show-item").addEventListener("click", () => showSimilar($("item").value));
$("item").addEventListener("keydown", (event) => event.key === "Enter" && $("show-item").click());
for (const list of ["top", "rated", "similar"])
  $(list).addEventListener("click", (event) => {
    const button = event.target.closest("button.item");
    if (!button || !trained) return;
    $("item").value = button.dataset.item;
    showSimilar(button.dataset.item);
  });
