// Pods and Jobs: what finished would run again in the destination, and what the source's
// scheduler and Job controller generated is generated anew there.

import type { KubeObject } from "../types.js";
import { deleteKeys } from "../util.js";
import { arr, rec, str, type KindRules, type Obj } from "./rule.js";

const JOB_CONTROLLER_UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"];
const JOB_NAME_LABELS = ["job-name", "batch.kubernetes.io/job-name"];

/** Drops volumes (and their mounts) carrying S's service-account credentials. */
function stripServiceAccountVolumes(podSpec: Obj): void {
  const sa = str(podSpec.serviceAccountName) ?? str(podSpec.serviceAccount) ?? "default";
  const dropped = new Set<string>();
  if (Array.isArray(podSpec.volumes)) {
    podSpec.volumes = podSpec.volumes.filter((v) => {
      const r = rec(v);
      const n = str(r?.name);
      if (n === undefined) return true;
      const legacyToken = n.startsWith(`${sa}-token-`);
      const projectedToken = n.startsWith("kube-api-access-") && r?.projected !== undefined;
      if (legacyToken || projectedToken) dropped.add(n);
      return !(legacyToken || projectedToken);
    });
  }
  if (dropped.size === 0) return;
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of arr(podSpec[field])) {
      const cr = rec(c);
      if (cr && Array.isArray(cr.volumeMounts)) {
        cr.volumeMounts = cr.volumeMounts.filter((m) => !dropped.has(str(rec(m)?.name) ?? ""));
      }
    }
  }
}

export const WORKLOAD_RULES: KindRules = {
  "/Pod": {
    skip(obj: KubeObject) {
      if (obj.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined) {
        return "mirror pod of a static pod; the kubelet of a node owns it";
      }
      const status = rec(obj.status) ?? {};
      if (status.phase === "Succeeded" || status.phase === "Failed") {
        return `pod completed (phase ${String(status.phase)}); it would run again`;
      }
      return undefined;
    },
    rewrite(obj: KubeObject) {
      const spec = rec(obj.spec);
      if (!spec) return;
      delete spec.nodeName; // D's scheduler places it
      // Admission recomputes priority from priorityClassName and rejects a mismatching value.
      delete spec.priority;
      stripServiceAccountVolumes(spec);
    },
  },
  "batch/Job": {
    skip(obj: KubeObject) {
      const status = rec(obj.status) ?? {};
      const done = arr(status.conditions).some((c) => {
        const r = rec(c);
        return r && (r.type === "Complete" || r.type === "Failed") && r.status === "True";
      });
      if (status.completionTime !== undefined || done) return "job finished; it would run again";
      return undefined;
    },
    rewrite(obj: KubeObject) {
      const spec = rec(obj.spec);
      if (!spec) return;
      const selector = rec(spec.selector);
      if (selector) deleteKeys(selector, "matchLabels", JOB_CONTROLLER_UID_LABELS);
      const tmd = rec(rec(spec.template)?.metadata);
      if (tmd) deleteKeys(tmd, "labels", JOB_CONTROLLER_UID_LABELS);
      if (spec.manualSelector !== true) {
        // The selector and these labels were generated from S's Job uid; D generates its own.
        delete spec.selector;
        if (tmd) deleteKeys(tmd, "labels", JOB_NAME_LABELS);
      }
      // D's TTL controller would delete the copy, which the next sync re-creates: a loop.
      delete spec.ttlSecondsAfterFinished;
    },
  },
};
