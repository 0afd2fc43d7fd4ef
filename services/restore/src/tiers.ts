// The order a restore writes in: what others depend on first. CRDs before their custom
// resources, namespaces before what lives in them, RBAC and identities before the workloads that
// use them, Secrets and ConfigMaps before the Pods that mount them; the `waitFor` groups last,
// one after another. Pure.

import type { RestoreWaitGroup } from "@livesync/api";

export const TIER_NAMES = [
  "CustomResourceDefinitions",
  "Namespaces",
  "cluster RBAC",
  "StorageClasses, PriorityClasses and other cluster-scoped objects",
  "ServiceAccounts, Roles, RoleBindings, quotas",
  "Secrets and ConfigMaps",
  "Services and PersistentVolumeClaims",
  "workloads",
  "custom resources",
] as const;

export const CRD_TIER = 0;
/** The first `waitFor` group's tier; group i is FIRST_WAIT_TIER + i. */
export const FIRST_WAIT_TIER = TIER_NAMES.length;

const BY_KIND: Record<string, number> = {
  "apiextensions.k8s.io/CustomResourceDefinition": CRD_TIER,
  "/Namespace": 1,
  "rbac.authorization.k8s.io/ClusterRole": 2,
  "rbac.authorization.k8s.io/ClusterRoleBinding": 2,
  "storage.k8s.io/StorageClass": 3,
  "scheduling.k8s.io/PriorityClass": 3,
  "/ServiceAccount": 4,
  "rbac.authorization.k8s.io/Role": 4,
  "rbac.authorization.k8s.io/RoleBinding": 4,
  "/ResourceQuota": 4,
  "/LimitRange": 4,
  "/Secret": 5,
  "/ConfigMap": 5,
  "/Service": 6,
  "/PersistentVolumeClaim": 6,
  "/Endpoints": 6,
};

/** Kubernetes' own groups: the core group, dotless ones (apps, batch…) and *.k8s.io. */
export function isBuiltinGroup(group: string): boolean {
  return group === "" || !group.includes(".") || group.endsWith(".k8s.io");
}

export interface TierRef {
  group: string;
  resource: string;
  kind: string;
  name: string;
  namespaced: boolean;
}

/** Index of the `waitFor` group an object belongs to, or -1. */
export function waitGroupOf(ref: TierRef, groups: readonly RestoreWaitGroup[] = []): number {
  return groups.findIndex((g) =>
    g.resources.some(
      (r) =>
        (r.group ?? "") === ref.group &&
        r.resource === ref.resource &&
        (!r.names?.length || r.names.includes(ref.name)),
    ),
  );
}

export function tierOf(ref: TierRef, groups: readonly RestoreWaitGroup[] = []): number {
  const wait = waitGroupOf(ref, groups);
  if (wait >= 0) return FIRST_WAIT_TIER + wait;
  const known = BY_KIND[`${ref.group}/${ref.kind}`];
  if (known !== undefined) return known;
  if (!isBuiltinGroup(ref.group)) return 8;
  return ref.namespaced ? 7 : 3;
}

export function tierName(tier: number): string {
  return TIER_NAMES[tier] ?? `waitFor group ${tier - FIRST_WAIT_TIER + 1}`;
}
