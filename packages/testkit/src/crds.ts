import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
  type V1JSONSchemaProps,
} from "@kubernetes/client-node";
import { eventually } from "./kube.js";

/**
 * A namespaced CRD with one served and stored version, v1, whose objects' `spec` follows
 * `spec`. The schema is client-node's model (`x_kubernetes_preserve_unknown_fields`, not the
 * wire name), which is also the wire form as long as it uses only plain keywords.
 */
export function crdManifest(
  group: string,
  kind: string,
  plural: string,
  spec: V1JSONSchemaProps,
): V1CustomResourceDefinition & { metadata: { name: string } } {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec } } },
        },
      ],
    },
  };
}

/** Creates the CRD in the cluster and waits until it is Established. */
export async function establishCrd(kc: KubeConfig, crd: V1CustomResourceDefinition): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata!.name!;
  await api.createCustomResourceDefinition({ body: crd });
  await eventually(
    async () => {
      const got = await api.readCustomResourceDefinition({ name });
      return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? true
        : undefined;
    },
    { what: `${name} established` },
  );
}
