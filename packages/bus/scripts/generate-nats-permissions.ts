// Writes the Helm chart's NATS permissions (deploy/helm/livesync/files/nats-permissions.json)
// from natsPermissions(): the chart's NATS grants exactly what the code was tested with.
// `pnpm exec tsx packages/bus/scripts/generate-nats-permissions.ts`; a unit test fails when stale.
import { writeFileSync } from "node:fs";
import { NATS_PERMISSIONS_FILE, natsPermissionsJson } from "../src/permissions-file.js";

writeFileSync(NATS_PERMISSIONS_FILE, natsPermissionsJson());
console.log(`wrote ${NATS_PERMISSIONS_FILE}`);
