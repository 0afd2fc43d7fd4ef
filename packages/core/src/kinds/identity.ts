// ServiceAccounts and their Secrets: the destination creates the default ServiceAccount and
// generates tokens and pull secrets of its own; copies of the source's would be foreign there.

import type { KubeObject } from "../types.js";
import { deleteKeys } from "../util.js";
import { arr, rec, str, type KindRules, type Obj } from "./rule.js";

const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";
const SA_NAME_ANNOTATION = "kubernetes.io/service-account.name";
const SA_UID_ANNOTATION = "kubernetes.io/service-account.uid";

/**
 * The namespace's `default` ServiceAccount exists everywhere; it is only worth copying when
 * the user configured it: pull secrets other than OpenShift's generated `default-dockercfg-*`,
 * or automountServiceAccountToken (a common hardening setting).
 */
function defaultSaHasUserSettings(obj: KubeObject): boolean {
  const userPullSecret = arr(obj.imagePullSecrets).some((r) => {
    const n = str(rec(r)?.name);
    return n !== undefined && !n.startsWith("default-dockercfg-");
  });
  return userPullSecret || obj.automountServiceAccountToken !== undefined;
}

export const IDENTITY_RULES: KindRules = {
  "/ServiceAccount": {
    skip: (obj) =>
      obj.metadata.name === "default" && !defaultSaHasUserSettings(obj)
        ? "ServiceAccount default is created in every namespace"
        : undefined,
    rewrite(obj: KubeObject) {
      const name = obj.metadata.name;
      // Generated token/pull secrets are not copied (see the Secret rule); D generates its own.
      const generated = (r: unknown) => {
        const n = str(rec(r)?.name) ?? "";
        return n.startsWith(`${name}-token-`) || n.startsWith(`${name}-dockercfg-`);
      };
      for (const field of ["secrets", "imagePullSecrets"]) {
        const list = obj[field];
        if (!Array.isArray(list)) continue;
        const kept = list.filter((r) => !generated(r));
        if (kept.length > 0) obj[field] = kept;
        else delete obj[field];
      }
    },
  },
  "/Secret": {
    skip(obj: KubeObject) {
      const name = obj.metadata.name;
      const sa = str(obj.metadata.annotations?.[SA_NAME_ANNOTATION]);
      if (sa === undefined) return undefined;
      if (obj.type === SA_TOKEN_TYPE && name.startsWith(`${sa}-token-`)) {
        return `token Secret auto-created for ServiceAccount ${sa}`;
      }
      if (obj.type === "kubernetes.io/dockercfg" && name.startsWith(`${sa}-dockercfg-`)) {
        return `pull Secret auto-created for ServiceAccount ${sa}`;
      }
      return undefined;
    },
    rewrite(obj: KubeObject) {
      if (obj.type !== SA_TOKEN_TYPE) return;
      // D's token controller fills these for D's ServiceAccount; a foreign uid makes it delete
      // the Secret.
      deleteKeys(obj.metadata as Obj, "annotations", [SA_UID_ANNOTATION]);
      deleteKeys(obj, "data", ["token", "ca.crt", "namespace"]);
    },
  },
};
