/**
 * What the report page runs of the real code: the recipes (src/evolve), the state view
 * (tools/report/stateText.ts over src/state/view.ts and the state schema), the notifier-window
 * tracking and the bookkeeping event list. Bundled into one browser script, committed as
 * ./pageModel.ts, so the page folds and shows a state exactly as `replay` and `show --state` do:
 * a recipe or state part changed here reaches the page without a hand-written port. A test
 * rebuilds the bundle and fails when ./pageModel.ts is stale (`npm run gen:page`).
 */
export { applyEvent } from '../../../src/evolve/index.js';
export { stateLines, trackWindow } from '../stateText.js';
export { BOOKKEEPING } from '../eventFilter.js';
