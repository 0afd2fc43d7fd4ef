import { fileURLToPath } from "node:url";
import { natsPermissions } from "./permissions.js";

/** The chart's copy of the default installation's permissions (stream LIVESYNC_EVENTS). */
export const NATS_PERMISSIONS_FILE = fileURLToPath(
  new URL("../../../deploy/helm/livesync/files/nats-permissions.json", import.meta.url),
);

export function natsPermissionsJson(): string {
  return JSON.stringify(natsPermissions(), null, 2) + "\n";
}
