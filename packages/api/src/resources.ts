// The "may two resource sets overlap?" rule, shared by the checks inside one
// LiveSynchronization and across LiveSynchronizations of a manifest set.

import { labelSelectorsDisjoint } from "./label-selectors.js";
import { nameSelectorsDisjoint } from "./name-selectors.js";
import type { ResourceFilters } from "./types.js";

/**
 * Conservative: filters may overlap unless provably disjoint. All filters must match, so one
 * provably disjoint pair suffices: the namespaceSelectors, the selectors (decided exactly, e.g.
 * `env: pre` vs `env: pre-second`, or `bad: "yes"` vs `bad DoesNotExist`) or the nameSelectors
 * (only in provable cases: regular expressions cannot be compared in general).
 */
export function filtersMayOverlap(a?: ResourceFilters, b?: ResourceFilters): boolean {
  return !(
    labelSelectorsDisjoint(a?.namespaceSelector, b?.namespaceSelector) ||
    labelSelectorsDisjoint(a?.selector, b?.selector) ||
    nameSelectorsDisjoint(a?.nameSelector, b?.nameSelector)
  );
}
