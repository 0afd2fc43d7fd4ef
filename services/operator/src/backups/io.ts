// REST calls on Backup and BackupSchedule objects shared by the backup controllers; status
// writes go through the operator's StatusWriter.

import { isConflict, isNotFound, type KubeRest } from "@livesync/kube";
import { basePath, nsOf, objectPath, type RawObject } from "../objects.js";
import type { StatusWriter } from "../status-writes.js";

type BackupKind = "Backup" | "BackupSchedule";

export class BackupObjects {
  constructor(
    readonly rest: KubeRest,
    private readonly statuses: StatusWriter,
  ) {}

  /** The object as stored now (the watched copy may lag behind); undefined once deleted. */
  get(kind: BackupKind, namespace: string, name: string): Promise<RawObject | undefined> {
    return this.rest
      .request<RawObject>("GET", objectPath(kind, namespace, name))
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  /** Merge-patches the status subresource; an object deleted meanwhile is no error. */
  async patchStatus(kind: BackupKind, o: RawObject, status: object): Promise<void> {
    await this.statuses.patch(kind, o, status as Record<string, unknown>);
  }

  /** Creates a Backup; false when one of that name exists already. */
  async createBackup(o: RawObject): Promise<RawObject | false> {
    try {
      return await this.rest.request<RawObject>("POST", basePath("Backup", nsOf(o)), { body: o });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async deleteBackup(namespace: string, name: string): Promise<void> {
    await this.rest
      .request("DELETE", objectPath("Backup", namespace, name))
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}
