// A watched, cached view of one kind in the management cluster. Every change calls onChange,
// so the operator reacts within milliseconds instead of polling.

import { Informer, type KubeRest, type ResourceInfo } from "@livesync/kube";
import type { RawObject } from "./objects.js";

export function kindInformer(
  rest: KubeRest,
  info: ResourceInfo,
  namespace: string | undefined,
  onChange: () => void,
): Informer<RawObject> {
  const changed = async () => onChange();
  return new Informer<RawObject>(
    rest,
    info,
    { onList: changed, onEvent: changed },
    {
      namespace,
      project: (o) => o as unknown as RawObject,
      // A CRD not installed (yet): nothing of that kind, which is a complete answer.
      notFoundIsEmpty: true,
      // A CRD installed after the operator started is picked up within seconds.
      backoffMaxMs: 5_000,
    },
  );
}
