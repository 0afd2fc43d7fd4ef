// Resource identity and the "may two resource sets overlap?" rule, shared by the checks inside
// one LiveSynchronization and across LiveSynchronizations of a manifest set.

import type { GVR, LabelSelector, ResourceFilters } from "./types.js";

/** "apps/v1/deployments", or "v1/configmaps" for the core group. */
export const gvrKey = ({ group, version, resource }: GVR): string =>
  group ? `${group}/${version}/${resource}` : `${version}/${resource}`;

/**
 * "apps/deployments" or "services": what makes two entries the same objects. The version is left
 * out because one object is served under every version of its resource.
 */
export const groupResource = ({ group, resource }: Pick<GVR, "group" | "resource">): string =>
  group ? `${group}/${resource}` : resource;

/** True when both selectors require the same label key with different values. */
function labelsDisjoint(a?: LabelSelector, b?: LabelSelector): boolean {
  const la = a?.matchLabels ?? {};
  const lb = b?.matchLabels ?? {};
  return Object.keys(la).some((k) => k in lb && la[k] !== lb[k]);
}

/**
 * Conservative: filters may overlap unless provably disjoint, which we only claim when the
 * namespaceSelector or the selector of both pins one label key to different values (the seed's
 * `env: pre` / `env: pre-second` pattern). Anything subtler is treated as overlapping.
 */
export function filtersMayOverlap(a?: ResourceFilters, b?: ResourceFilters): boolean {
  return !(
    labelsDisjoint(a?.namespaceSelector, b?.namespaceSelector) ||
    labelsDisjoint(a?.selector, b?.selector)
  );
}
