// Resource identity and the "may two resource sets overlap?" rule, shared by the checks inside
// one LiveSynchronization and across LiveSynchronizations of a manifest set.

import { labelSelectorsDisjoint } from "./label-selectors.js";
import { nameSelectorsDisjoint } from "./name-selectors.js";
import type { GVR, ResourceFilters } from "./types.js";

/** "apps/v1/deployments", or "v1/configmaps" for the core group. */
export const gvrKey = ({ group, version, resource }: GVR): string =>
  group ? `${group}/${version}/${resource}` : `${version}/${resource}`;

/**
 * "apps/deployments" or "services": what makes two entries the same objects. The version is left
 * out because one object is served under every version of its resource.
 */
export const groupResource = ({ group, resource }: Pick<GVR, "group" | "resource">): string =>
  group ? `${group}/${resource}` : resource;

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
