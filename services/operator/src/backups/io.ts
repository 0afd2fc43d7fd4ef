// REST calls on Backup and BackupSchedule objects shared by the backup controllers.

import { isConflict, isNotFound, type KubeRest } from "@livesync/kube";
import type { RawObject } from "../objects.js";
import { backupKindPath, type BackupKind } from "./names.js";

const ns = (o: RawObject) => o.metadata.namespace ?? "default";

export class BackupObjects {
  constructor(
    readonly rest: KubeRest,
    private readonly onError: (err: Error) => void,
  ) {}

  /** The object as stored now (the watched copy may lag behind); undefined once deleted. */
  get(kind: BackupKind, namespace: string, name: string): Promise<RawObject | undefined> {
    return this.rest
      .request<RawObject>("GET", backupKindPath(kind, namespace, name))
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  /** Merge-patches the status subresource; an object deleted meanwhile is no error. */
  async patchStatus(kind: BackupKind, o: RawObject, status: object): Promise<void> {
    await this.rest
      .request("PATCH", `${backupKindPath(kind, ns(o), o.metadata.name)}/status`, {
        body: { status },
        contentType: "application/merge-patch+json",
      })
      .catch((err: Error) => {
        if (!isNotFound(err)) this.onError(err);
      });
  }

  /** Creates a Backup; false when one of that name exists already. */
  async createBackup(o: RawObject): Promise<RawObject | false> {
    try {
      return await this.rest.request<RawObject>("POST", backupKindPath("Backup", ns(o)), {
        body: o,
      });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async deleteBackup(namespace: string, name: string): Promise<void> {
    await this.rest
      .request("DELETE", backupKindPath("Backup", namespace, name))
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}
