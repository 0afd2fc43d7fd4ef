// validateObject on Backup, BackupSchedule and Restore: schema and semantic checks together,
// each error with the field path and the bad value.
import { describe, expect, it } from "vitest";
import { errorsOf } from "./test-fixtures.js";

type Spec = Record<string, unknown>;
/** Undefined fields are dropped, as they would be from YAML. */
const object = (kind: string, spec: Spec): unknown =>
  JSON.parse(
    JSON.stringify({
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind,
      metadata: { name: "b", namespace: "livesync" },
      spec,
    }),
  );
const backupSpec = (extra: Spec = {}): Spec => ({
  sourceName: "source",
  bucketName: "backups",
  resources: [{ group: "apps", version: "v1", resource: "deployments" }],
  ...extra,
});
const backup = (extra: Spec = {}) => object("Backup", backupSpec(extra));
const schedule = (extra: Spec = {}, template: Spec = {}) =>
  object("BackupSchedule", {
    schedule: "0 2 * * *",
    maxBackups: 3,
    template: backupSpec(template),
    ...extra,
  });
const restore = (extra: Spec = {}) =>
  object("Restore", { destinationName: "destination", backupName: "latest", ...extra });

describe("valid objects", () => {
  it.each([
    [
      "a Backup",
      backup({ includedNamespaces: ["a"], ttl: "24h", encryption: { secretName: "k" } }),
    ],
    ["a BackupSchedule", schedule({ timeZone: "Europe/Paris", ttl: "720h", paused: true })],
    ["a Restore of a named backup", restore({ backupName: "nightly-20260101" })],
    [
      "a Restore of a schedule's latest",
      restore({ backupName: undefined, scheduleName: "nightly" }),
    ],
    [
      "a Restore of several schedules",
      restore({ backupName: undefined, backups: { nightly: "latest", weekly: "skip" } }),
    ],
    [
      "a Restore from the archive",
      restore({ backupName: undefined, fromArchive: { enabled: true } }),
    ],
    [
      "a Restore swapping two namespaces",
      restore({ namespaceMapping: { a: "b", b: "a" }, existingResourcePolicy: "revert" }),
    ],
  ])("%s", (_, doc) => expect(errorsOf(doc)).toEqual([]));
});

describe("Backup", () => {
  it("ttl must be a positive duration", () => {
    expect(errorsOf(backup({ ttl: "0s" }))).toEqual([
      { path: "spec.ttl", message: '"0s" must be greater than zero' },
    ]);
    expect(errorsOf(backup({ ttl: "7d" }))).toEqual([
      {
        path: "spec.ttl",
        message: '"7d" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"',
      },
    ]);
  });

  it("namespaces are DNS labels and not both included and excluded", () => {
    expect(
      errorsOf(backup({ includedNamespaces: ["shop", "Shop_1"], excludedNamespaces: ["shop"] })),
    ).toEqual([
      {
        path: "spec.includedNamespaces[1]",
        message:
          '"Shop_1" is not a valid namespace name: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
      },
      {
        path: "spec.includedNamespaces[0]",
        message: '"shop" is also in excludedNamespaces; list it in only one of them',
      },
    ]);
    expect(errorsOf(backup({ excludedNamespaces: ["a".repeat(64)] }))[0]?.path).toBe(
      "spec.excludedNamespaces[0]",
    );
  });

  it("resources use group/version/resource and LiveSynchronization's filter checks", () => {
    const errors = errorsOf(
      backup({
        resources: [
          { group: "apps", version: "v1", resource: "Deployments" },
          {
            version: "v1",
            resource: "configmaps",
            filters: {
              nameSelector: { regex: ["*.conf"] },
              selector: { matchExpressions: [{ key: "tier", operator: "In" }] },
            },
          },
        ],
      }),
    );
    expect(errors).toEqual([
      {
        path: "spec.resources[0].resource",
        message:
          '"Deployments" is not a valid resource: use the lowercase plural resource name, e.g. "deployments"',
      },
      {
        path: "spec.resources[1].filters.selector.matchExpressions[0].values",
        message: 'must be non-empty for operator "In"',
      },
      {
        path: "spec.resources[1].filters.nameSelector.regex[0]",
        message: '"*.conf" is not a valid regular expression: nothing to repeat',
      },
    ]);
  });

  it("the label selector is checked like a LiveSynchronization's", () => {
    expect(errorsOf(backup({ labelSelector: { matchLabels: { "bad key!": "x" } } }))).toEqual([
      {
        path: "spec.labelSelector.matchLabels[bad key!]",
        message: expect.stringContaining('"bad key!" is not a valid label key') as string,
      },
    ]);
  });

  it("encryption needs a Secret name and a valid key", () => {
    expect(errorsOf(backup({ encryption: { secretKey: "a/b" } }))).toEqual([
      { path: "spec.encryption.secretName", message: "required field is missing" },
      {
        path: "spec.encryption.secretKey",
        message: '"a/b" is not a valid Secret key: letters, digits, "-", "_" and "."',
      },
    ]);
  });
});

describe("BackupSchedule", () => {
  it("the schedule is five cron fields that parse", () => {
    expect(errorsOf(schedule({ schedule: "0 2 * *" }))).toEqual([
      {
        path: "spec.schedule",
        message:
          '"0 2 * *" must have exactly 5 fields (minute hour day-of-month month day-of-week), got 4',
      },
    ]);
    expect(errorsOf(schedule({ schedule: "0 25 * * *" }))).toEqual([
      {
        path: "spec.schedule",
        message:
          '"0 25 * * *" is not a valid cron expression: Constraint error, got value 25 expected range 0-23',
      },
    ]);
  });

  it("timeZone is an IANA zone", () => {
    expect(errorsOf(schedule({ timeZone: "Europe/Pariss" }))).toEqual([
      {
        path: "spec.timeZone",
        message: '"Europe/Pariss" is not a known IANA time zone, e.g. "Europe/Paris" or "UTC"',
      },
    ]);
  });

  it("maxBackups is at least 1 and required", () => {
    expect(errorsOf(schedule({ maxBackups: 0 }))).toEqual([
      {
        path: "spec.maxBackups",
        message: "0 is too small: must be greater than or equal to 1",
      },
    ]);
    expect(errorsOf(schedule({ maxBackups: undefined }))).toEqual([
      { path: "spec.maxBackups", message: "required field is missing" },
    ]);
  });

  it("ttl and the template are checked, with the template's path", () => {
    expect(
      errorsOf(schedule({ ttl: "" }, { ttl: "0h", excludedNamespaces: ["kube_system"] })),
    ).toEqual([
      {
        path: "spec.template.excludedNamespaces[0]",
        message: expect.stringContaining('"kube_system" is not a valid namespace name') as string,
      },
      {
        path: "spec.ttl",
        message: '"" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"',
      },
      { path: "spec.template.ttl", message: '"0h" must be greater than zero' },
    ]);
  });
});

describe("Restore", () => {
  it("needs exactly one of backupName, scheduleName, backups and fromArchive", () => {
    expect(errorsOf(restore({ backupName: undefined }))).toEqual([
      {
        path: "spec",
        message:
          "nothing to restore: set one of backupName, scheduleName, backups or fromArchive.enabled",
      },
    ]);
    expect(errorsOf(restore({ backupName: undefined, fromArchive: { enabled: false } }))).toEqual([
      expect.objectContaining({ path: "spec" }),
    ]);
    expect(errorsOf(restore({ scheduleName: "nightly", fromArchive: { enabled: true } }))).toEqual([
      {
        path: "spec.scheduleName",
        message:
          "set only one of backupName, scheduleName, backups and fromArchive (backupName is set too)",
      },
      {
        path: "spec.fromArchive",
        message:
          "set only one of backupName, scheduleName, backups and fromArchive (backupName is set too)",
      },
    ]);
  });

  it('backups maps schedule names to "latest", "skip" or a backup name', () => {
    const doc = (backups: unknown) => restore({ backupName: undefined, backups });
    expect(errorsOf(doc({ Nightly: "latest", weekly: "Last_Week" }))).toEqual([
      {
        path: "spec.backups[weekly]",
        message: expect.stringContaining('"Last_Week" is not a valid object name') as string,
      },
      { path: "spec.backups[Nightly]", message: '"Nightly" is not a valid BackupSchedule name' },
    ]);
    expect(errorsOf(doc({ nightly: "skip" }))).toEqual([
      { path: "spec.backups", message: 'every BackupSchedule is "skip": nothing to restore' },
    ]);
    expect(errorsOf(doc({}))).toEqual([
      {
        path: "spec.backups",
        message: 'must name at least one BackupSchedule: { <schedule>: "latest" }',
      },
    ]);
  });

  it("namespaceMapping uses namespace names and never maps two namespaces to one", () => {
    expect(errorsOf(restore({ namespaceMapping: { a: "c", b: "c", Bad: "d", e: "E" } }))).toEqual([
      {
        path: "spec.namespaceMapping[e]",
        message: expect.stringContaining('"E" is not a valid namespace name') as string,
      },
      {
        path: "spec.namespaceMapping[b]",
        message: '"b" and "a" are both mapped to "c"; two namespaces cannot be restored into one',
      },
      {
        path: "spec.namespaceMapping[Bad]",
        message: expect.stringContaining('"Bad" is not a valid namespace name') as string,
      },
    ]);
  });

  it("existingResourcePolicy is none, update or revert; none by default", () => {
    expect(errorsOf(restore({ existingResourcePolicy: "merge" }))).toEqual([
      {
        path: "spec.existingResourcePolicy",
        message: 'unsupported value "merge"; supported values: "none", "update", "revert"',
      },
    ]);
  });

  it("the scope and the waitFor groups are checked", () => {
    const errors = errorsOf(
      restore({
        includedNamespaces: ["a"],
        excludedNamespaces: ["a"],
        resources: [
          { version: "v1", resource: "secrets", filters: { nameSelector: { regex: ["("] } } },
        ],
        waitFor: [
          {
            resources: [
              {
                group: "example.com",
                version: "v1",
                resource: "widgets",
                names: ["Bad"],
                filters: {
                  selector: { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
                },
              },
            ],
            timeout: "0m",
          },
        ],
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([
      "spec.waitFor[0].resources[0].names[0]",
      "spec.includedNamespaces[0]",
      "spec.resources[0].filters.nameSelector.regex[0]",
      "spec.waitFor[0].timeout",
      "spec.waitFor[0].resources[0].filters.selector.matchExpressions[0].values",
    ]);
  });
});
