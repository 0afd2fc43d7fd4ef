// The object a restore writes for one object of a backup, and why an object is never restored:
// the replication rules (sanitize) plus the restore's own per-kind rules (kinds/restore.ts).

import { kindRulesFor, mergeKindRules } from "./kinds/index.js";
import { RESTORE_RULES } from "./kinds/restore.js";
import { portableCopy, skipReason } from "./sanitize.js";
import type { Gvr, KubeObject } from "./types.js";
import { groupOf } from "./util.js";

export { RESTORE_RULES } from "./kinds/restore.js";

const RESTORE_RULE_TABLE = mergeKindRules(RESTORE_RULES);

/**
 * Why `obj` must not be restored, or undefined. Ownership is read from `obj` as given, so pass
 * the object with its ownerReferences when the backup kept them.
 */
export function restoreSkipReason(obj: KubeObject, gvr: Gvr): string | undefined {
  for (const rule of kindRulesFor(RESTORE_RULE_TABLE, groupOf(obj.apiVersion), obj.kind)) {
    const reason = rule.skip?.(obj);
    if (reason !== undefined) return reason;
  }
  return skipReason(obj, gvr);
}

/**
 * The portable form of `obj` a restore compares and writes: no status, no server-populated
 * metadata (ownerReferences included: they are relinked separately), no cluster allocations.
 * The same function serves the backup's object and the destination's live one, so that two
 * objects equal up to what their clusters populated compare equal.
 */
export function restorableCopy(obj: KubeObject): KubeObject {
  const out = portableCopy(obj);
  for (const rule of kindRulesFor(RESTORE_RULE_TABLE, groupOf(out.apiVersion), out.kind)) {
    rule.rewrite?.(out);
  }
  return out;
}
