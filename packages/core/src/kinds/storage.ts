// Volumes and claims: the destination binds and provisions its own storage, so binding state
// is dropped and a volume the destination could delete with the source's disk is not copied.

import type { KubeObject } from "../types.js";
import { deleteKeys } from "../util.js";
import { rec, type KindRules, type Obj } from "./rule.js";

/** Set by the PV controller / provisioners while binding; D binds and provisions anew. */
const PVC_BIND_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
  "volume.kubernetes.io/selected-node",
];
const PV_BIND_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
];

export const STORAGE_RULES: KindRules = {
  "/PersistentVolumeClaim": {
    rewrite(obj: KubeObject) {
      deleteKeys(obj.metadata as Obj, "annotations", PVC_BIND_ANNOTATIONS);
      // D binds the claim to a volume of its own (dynamic provisioning or a pre-bound PV copy).
      delete rec(obj.spec)?.volumeName;
    },
  },
  "/PersistentVolume": {
    skip(obj: KubeObject) {
      const spec = rec(obj.spec) ?? {};
      if ((spec.persistentVolumeReclaimPolicy ?? "Retain") !== "Delete") return undefined;
      // The PVC copy has no volumeName, so D provisions its own volume; a copied Delete-policy
      // PV would let D's provisioner delete the source's disk when the copy is removed.
      return "PersistentVolume with reclaim policy Delete; the destination provisions its own volume";
    },
    rewrite(obj: KubeObject) {
      deleteKeys(obj.metadata as Obj, "annotations", PV_BIND_ANNOTATIONS);
      const claimRef = rec(rec(obj.spec)?.claimRef);
      if (claimRef) {
        // Keep namespace/name so the PV stays pre-bound to the claim's copy; uid/rv are S's.
        delete claimRef.uid;
        delete claimRef.resourceVersion;
      }
    },
  },
};
