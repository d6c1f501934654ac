// crossgrad/recommend: recommenders on crossgrad's kernels. Interactions in: parsing delimited
// ratings and interaction files into columns over id maps, train/test splits, and ranking
// metrics (docs/design.md §13); the recipes trained on them (§14); top-k in wasm (§15).

export { IdMap, type IdType } from "./idmap.js";
export type { Interactions } from "./interactions.js";
export type { Columns, ParsedInteractions, ParseOptions, Progress, SkippedLine } from "./options.js";
export { parseInteractions } from "./parse.js";
export { rankingMetrics, type RankingOptions, type RankingReport, type Scorer } from "./ranking.js";
export { readInteractions, type InteractionSource, type ReadOptions } from "./read.js";
export { explicit, implicit, splitByTime, splitLeaveKOut, splitRandom, type Split } from "./split.js";
export { featuresOf, type Features } from "./features.js";
export { trainRecipe, type RecipeName, type RecipeOptions } from "./recipes.js";
export {
  Recommender,
  type FoldInOptions,
  type RecipeLoss,
  type RecommendOptions,
  type TopItems,
} from "./recommender.js";
