/**
 * The chart's closed bus, from `helm template`: a user (Secret) per component, TLS, a
 * NetworkPolicy in front of the deployed NATS, and each Deployment given only its own
 * credential. Then the rendered nats.conf runs in a real nats-server (its TLS files swapped for
 * ones made for 127.0.0.1): what it refuses and allows is checked with the rendered passwords.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ensureBinaries, helmBinary } from "../src/binaries.js";
import { httpOk } from "../src/http.js";
import { createServingPki } from "../src/pki.js";
import { freePorts } from "../src/ports.js";
import { ProcessRegistry, waitUntilReady } from "../src/process.js";

const CHART = new URL("../../../deploy/helm/livesync", import.meta.url).pathname;
const NS = "lsns";
const ROLES = ["controller", "events-listener", "synchronizer", "archiver"];
const DEPLOYMENT_OF: Record<string, string> = {
  controller: "livesync-operator",
  "events-listener": "livesync-events-listener",
  synchronizer: "livesync-synchronizer",
  archiver: "livesync-archiver",
};
const dir = mkdtempSync(join(tmpdir(), "livesync-chart-nats-"));
const registry = new ProcessRegistry(join(dir, "pids"));

afterAll(async () => {
  await registry.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
type Obj = { kind: string; metadata: { name: string }; [k: string]: any };
/* eslint-enable @typescript-eslint/no-explicit-any */

function render(...sets: string[]): Obj[] {
  const args = ["template", "livesync", CHART, "--namespace", NS];
  for (const s of sets) args.push("--set", s);
  return parseAllDocuments(execFileSync(helmBinary(), args, { encoding: "utf8" }))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}
const find = (objs: Obj[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name);
const container = (objs: Obj[], deployment: string) =>
  find(objs, "Deployment", deployment)!.spec.template.spec.containers[0];
type EnvVar = { name: string; value?: string; valueFrom?: unknown };
const envOf = (c: { env?: EnvVar[] }, name: string) => c.env?.find((e) => e.name === name);
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("chart: NATS with authentication and TLS (nats.deploy=true)", () => {
  const objs = render("nats.deploy=true");

  it("gives each component a Secret of its own and only that one in its environment", () => {
    for (const role of ROLES) {
      const secret = find(objs, "Secret", `livesync-nats-${role}`);
      expect(secret, role).toBeDefined();
      expect(decode(secret!.data.password)).toMatch(/^[A-Za-z0-9]{32}$/);
      const c = container(objs, DEPLOYMENT_OF[role]!);
      expect(envOf(c, "LIVESYNC_NATS_USER"), role).toEqual({
        name: "LIVESYNC_NATS_USER",
        value: role,
      });
      expect(envOf(c, "LIVESYNC_NATS_PASSWORD"), role).toEqual({
        name: "LIVESYNC_NATS_PASSWORD",
        valueFrom: { secretKeyRef: { name: `livesync-nats-${role}`, key: "password" } },
      });
      expect(envOf(c, "LIVESYNC_NATS_CA")?.value).toBe("/etc/livesync/nats-tls/ca.crt");
      const pod = find(objs, "Deployment", DEPLOYMENT_OF[role]!)!.spec.template.spec;
      // The CA only: a component never holds the server's key.
      expect(pod.volumes).toContainEqual({
        name: "nats-tls",
        secret: { secretName: "livesync-nats-tls", items: [{ key: "ca.crt", path: "ca.crt" }] },
      });
    }
  });

  it("has a NetworkPolicy that lets only livesync's pods reach NATS", () => {
    const np = find(objs, "NetworkPolicy", "livesync-nats")!;
    expect(np.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("nats");
    expect(np.spec.policyTypes).toEqual(["Ingress"]);
    const [rule] = np.spec.ingress;
    const exprs = rule.from[0].podSelector.matchExpressions;
    expect(exprs).toContainEqual({
      key: "app.kubernetes.io/instance",
      operator: "In",
      values: ["livesync"],
    });
    expect(
      exprs.find((e: { key: string }) => e.key === "app.kubernetes.io/component").values,
    ).toEqual([...ROLES, "nats"]);
    expect(rule.ports).toContainEqual({ port: 4222, protocol: "TCP" });
  });

  it("generates a certificate for the NATS Service names, signed by the CA the components get", () => {
    const tls = find(objs, "Secret", "livesync-nats-tls")!;
    const ca = new X509Certificate(decode(tls.data["ca.crt"]));
    const cert = new X509Certificate(decode(tls.data["tls.crt"]));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost(`livesync-nats.${NS}.svc`)).toBe(`livesync-nats.${NS}.svc`);
    const sts = find(objs, "StatefulSet", "livesync-nats")!.spec.template.spec;
    expect(sts.containers[0].args.slice(-2)).toEqual(["-c", "/etc/nats/nats.conf"]);
    expect(sts.volumes).toContainEqual({
      name: "tls",
      secret: { secretName: "livesync-nats-tls" },
    });
  });

  it("runs its nats.conf in a real nats-server: TLS and a password required, publishing events the listener's alone", async () => {
    const pki = createServingPki(dir, "nats");
    const conf = find(objs, "ConfigMap", "livesync-nats-config")!
      .data["nats.conf"].replace("/etc/nats/tls/tls.crt", pki.servingCert)
      .replace("/etc/nats/tls/tls.key", pki.servingKey)
      .replace("/etc/nats/tls/ca.crt", pki.caCert);
    writeFileSync(join(dir, "nats.conf"), conf);
    const passwords = Object.fromEntries(
      ROLES.map((r) => [r, decode(find(objs, "Secret", `livesync-nats-${r}`)!.data.password)]),
    );
    // The StatefulSet's variables, from the same Secrets.
    const sts = find(objs, "StatefulSet", "livesync-nats")!.spec.template.spec.containers[0];
    const variables = Object.fromEntries(
      sts.env.map((e: { name: string; valueFrom: { secretKeyRef: { name: string } } }) => [
        e.name,
        passwords[e.valueFrom.secretKeyRef.name.replace("livesync-nats-", "")],
      ]),
    );
    const [port, monitor] = await freePorts(2);
    const proc = registry.start({
      component: "nats-server",
      binary: ensureBinaries({ prometheus: false }).natsServer,
      args: ["-js", "-sd", join(dir, "js"), "-a", "127.0.0.1", "-p", `${port}`].concat([
        "-m",
        `${monitor}`,
        "-c",
        join(dir, "nats.conf"),
      ]),
      logFile: join(dir, "nats.log"),
      env: variables,
    });
    await waitUntilReady(proc, () => httpOk(`http://127.0.0.1:${monitor}/healthz`), 30_000);
    const as = (role: string) =>
      connect({
        servers: `127.0.0.1:${port}`,
        user: role,
        pass: passwords[role],
        inboxPrefix: `_INBOX_${role}`,
        tls: { caFile: pki.caCert },
      });

    await expect(
      connect({ servers: `127.0.0.1:${port}`, tls: { caFile: pki.caCert } }),
    ).rejects.toThrow(/Authorization Violation/i);
    const controller = await as("controller");
    await jetstreamManager(controller).then((jsm) =>
      jsm.streams.add({ name: "LIVESYNC_EVENTS", subjects: ["livesync.events.>"] }),
    );
    const listener = await as("events-listener");
    const synchronizer = await as("synchronizer");
    try {
      expect((await jetstream(listener).publish("livesync.events.a", "x")).seq).toBe(1);
      await expect(
        jetstream(synchronizer).publish("livesync.events.a", "injected", { timeout: 3_000 }),
      ).rejects.toThrow(/permission|violation/i);
      const jsm = await jetstreamManager(listener, { checkAPI: false });
      await expect(jsm.streams.delete("LIVESYNC_EVENTS")).rejects.toThrow(/permission|violation/i);
    } finally {
      for (const nc of [controller, listener, synchronizer]) await nc.close();
    }
  });
});

describe("chart: NATS credentials for a NATS of one's own (nats.deploy=false)", () => {
  it("adds nothing by default", () => {
    const objs = render();
    expect(objs.filter((o) => ["Secret", "NetworkPolicy"].includes(o.kind))).toEqual([]);
    for (const d of Object.values(DEPLOYMENT_OF)) {
      expect(envOf(container(objs, d), "LIVESYNC_NATS_USER"), d).toBeUndefined();
      expect(envOf(container(objs, d), "LIVESYNC_NATS_CA"), d).toBeUndefined();
    }
  });

  it("uses the Secrets it is given, per component, and the CA of nats.tls.secretName", () => {
    const objs = render(
      "nats.auth.existingSecrets.synchronizer=my-sync",
      "nats.tls.secretName=my-ca",
    );
    expect(objs.filter((o) => o.kind === "Secret")).toEqual([]);
    const sync = container(objs, "livesync-synchronizer");
    expect(envOf(sync, "LIVESYNC_NATS_PASSWORD")).toEqual({
      name: "LIVESYNC_NATS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "my-sync", key: "password" } },
    });
    expect(envOf(container(objs, "livesync-archiver"), "LIVESYNC_NATS_USER")).toBeUndefined();
    const pod = find(objs, "Deployment", "livesync-archiver")!.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "nats-tls",
      secret: { secretName: "my-ca", items: [{ key: "ca.crt", path: "ca.crt" }] },
    });
  });
});
