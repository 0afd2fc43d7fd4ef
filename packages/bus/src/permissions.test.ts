import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deadLetterSubject } from "./bus.js";
import { NATS_PERMISSIONS_FILE, natsPermissionsJson } from "./permissions-file.js";
import { natsPermissions, NATS_ROLES } from "./permissions.js";

const p = natsPermissions();
const publishes = (role: (typeof NATS_ROLES)[number], subject: string) =>
  p[role].publish.includes(subject);

describe("natsPermissions", () => {
  it("lets only the events-listener publish events", () => {
    expect(NATS_ROLES.filter((r) => publishes(r, "livesync.events.>"))).toEqual([
      "events-listener",
    ]);
  });

  it("lets no one delete or purge the event streams, nor read the event subjects directly", () => {
    for (const role of NATS_ROLES) {
      const all = [...p[role].publish, ...p[role].subscribe];
      expect(
        all.filter((s) => /STREAM\.(DELETE|PURGE)\.LIVESYNC_EVENTS($|_DEADLETTER)/.test(s)),
        role,
      ).toEqual([]);
      expect(p[role].subscribe, role).toEqual([`_INBOX_${role}.>`]);
    }
  });

  it("gives the listener no consumer API, and no KV read: it only writes its status report", () => {
    const listener = p["events-listener"].publish;
    expect(listener.filter((s) => s.includes("CONSUMER") || s.includes("$JS.ACK"))).toEqual([]);
    expect(listener.filter((s) => /MSG\.GET\.KV_|DIRECT\.GET\.KV_|TOMBSTONES/.test(s))).toEqual([]);
    expect(listener).toContain("$KV.LIVESYNC_EVENTS_STATUS.>");
  });

  it("gives each reader its own durable only, and the dead-letter subjects", () => {
    expect(
      publishes("synchronizer", "$JS.API.CONSUMER.MSG.NEXT.LIVESYNC_EVENTS.synchronizer"),
    ).toBe(true);
    expect(publishes("synchronizer", "$JS.API.CONSUMER.MSG.NEXT.LIVESYNC_EVENTS.archiver")).toBe(
      false,
    );
    expect(publishes("archiver", "$JS.API.CONSUMER.MSG.NEXT.LIVESYNC_EVENTS.archiver")).toBe(true);
    expect(publishes("archiver", deadLetterSubject("livesync.events.>"))).toBe(true);
    expect(publishes("synchronizer", "$KV.LIVESYNC_EVENTS_TOMBSTONES.>")).toBe(true);
  });

  it("lets the controller create the durables but not read through them", () => {
    expect(
      publishes("controller", "$JS.API.CONSUMER.DURABLE.CREATE.LIVESYNC_EVENTS.synchronizer"),
    ).toBe(true);
    expect(p.controller.publish.filter((s) => s.includes("MSG.NEXT.LIVESYNC_EVENTS."))).toEqual([]);
    expect(p.controller.publish.filter((s) => s.startsWith("$JS.ACK.LIVESYNC_EVENTS."))).toEqual(
      [],
    );
    expect(p.controller.publish).not.toContain("livesync.events.>");
  });

  it("follows the stream name and subject prefix it is given", () => {
    const q = natsPermissions({ stream: "OTHER", subjectPrefix: "livesync.other" });
    expect(q["events-listener"].publish).toContain("livesync.other.>");
    expect(q.controller.publish).toContain("$JS.API.STREAM.CREATE.OTHER");
  });

  it("is what the Helm chart's files/nats-permissions.json holds (regenerate: pnpm exec tsx packages/bus/scripts/generate-nats-permissions.ts)", () => {
    expect(JSON.parse(readFileSync(NATS_PERMISSIONS_FILE, "utf8"))).toEqual(
      JSON.parse(natsPermissionsJson()),
    );
  });
});
