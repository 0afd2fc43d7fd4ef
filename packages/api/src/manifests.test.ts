import { describe, expect, it } from "vitest";
import { parseManifests, validateManifestSet, type ManifestProblem } from "./manifests.js";

const KUBECONFIG_B64 = Buffer.from("apiVersion: v1\nkind: Config\n").toString("base64");

/** Clusters, their Secrets and a bucket, all valid, in namespace "default". */
const ASSETS = `
apiVersion: v1
kind: Secret
metadata: {name: source}
data: {kubeconfig.yaml: ${KUBECONFIG_B64}}
---
apiVersion: v1
kind: Secret
metadata: {name: destination}
stringData: {kubeconfig.yaml: "apiVersion: v1"}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: source}
spec: {secretName: source}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: destination}
spec: {secretName: destination}
`;

const BUCKET = `
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {accessKeyID: AKIA, secretAccessKey: secret}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: Bucket
metadata: {name: archive}
spec:
  generic: {endpoint: s3.eu-west-1.amazonaws.com, name: dr}
  secretName: creds
`;

/** The same documents in namespace `ns` (every `metadata: {name: …}` gets the namespace). */
const inNamespace = (ns: string, text: string) =>
  text.replace(/metadata: \{name: ([^}]+)\}/g, `metadata: {name: $1, namespace: ${ns}}`);

/** A destination kubeconfig for `server`, as a Secret's stringData. */
const destinationServer = (server: string) =>
  ASSETS.replace(
    'stringData: {kubeconfig.yaml: "apiVersion: v1"}',
    `stringData: {kubeconfig.yaml: "clusters: [{name: c, cluster: {server: '${server}'}}]\\ncontexts: [{name: x, context: {cluster: c}}]\\ncurrent-context: x"}`,
  );

const liveSync = (name: string, extra = "", resources = DEPLOYMENTS) => `
apiVersion: automation.livesync.dev/v1alpha1
kind: LiveSynchronization
metadata: {name: ${name}}
spec:
  plugin: kubernetes-objects-to-kubernetes
  config:
    sourceName: source
    destinationName: destination
${extra}
    replication:
      resources:
${resources}
`;
const DEPLOYMENTS = `
        - group: apps
          version: v1
          resource: deployments`;

const check = (...files: [string, string][]) =>
  validateManifestSet(files.flatMap(([name, text]) => parseManifests(text, name)));
const problemsOf = (...files: [string, string][]): ManifestProblem[] => check(...files).problems;

describe("parseManifests", () => {
  it("splits documents, keeps their index, skips empty ones", () => {
    const docs = parseManifests("a: 1\n---\n---\nb: [x]\n---\n", "f.yaml");
    expect(docs).toEqual([
      { source: "f.yaml", index: 0, doc: { a: 1 } },
      { source: "f.yaml", index: 2, doc: { b: ["x"] } },
    ]);
  });

  it("reports a YAML syntax error on its document, with line and column", () => {
    const text =
      "kind: ConfigMap\n---\nkind: Secret\nmetadata:\n  name: [broken\n  namespace: dr\n---\nkind: Last\n";
    const docs = parseManifests(text, "f.yaml");
    expect(docs).toEqual([
      { source: "f.yaml", index: 0, doc: { kind: "ConfigMap" } },
      {
        source: "f.yaml",
        index: 1,
        doc: undefined,
        error:
          "line 6, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]",
      },
      { source: "f.yaml", index: 2, doc: { kind: "Last" } },
    ]);
  });

  it("rejects duplicate keys", () => {
    expect(parseManifests("a: 1\na: 2\n", "f.yaml")[0]?.error).toBe(
      "line 2, column 1: Map keys must be unique",
    );
  });

  it("reads YAML 1.1 like kubectl: unquoted yes/on are booleans", () => {
    expect(parseManifests("a: yes\nb: on\nc: 'yes'\n", "f.yaml")[0]?.doc).toEqual({
      a: true,
      b: true,
      c: "yes",
    });
  });
});

describe("validateManifestSet", () => {
  it("accepts a consistent set and sorts objects by kind", () => {
    const { problems, objects } = check(
      ["assets.yaml", ASSETS],
      [
        "ls.yaml",
        `${liveSync("apps")}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: dr}\n`,
      ],
    );
    expect(problems).toEqual([]);
    expect(objects.LiveSynchronization.map((l) => l.metadata.name)).toEqual(["apps"]);
    expect(objects.KubernetesCluster.map((c) => c.metadata.name)).toEqual([
      "source",
      "destination",
    ]);
    expect(objects.Secret.map((s) => s.metadata.name)).toEqual(["source", "destination"]);
    expect(objects.other.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Namespace/dr"]);
  });

  it("turns YAML errors and non-objects into problems", () => {
    expect(problemsOf(["bad.yaml", "a: [1\n---\n- just\n- a list\n"])).toEqual([
      {
        source: "bad.yaml",
        index: 0,
        path: "",
        message:
          "invalid YAML: line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
      },
      {
        source: "bad.yaml",
        index: 1,
        path: "",
        message: "not a Kubernetes object: apiVersion and kind are required",
      },
    ]);
  });

  it("reports schema errors with the document's identity", () => {
    const text = liveSync("apps", "    bucket: gcp");
    expect(problemsOf(["assets.yaml", ASSETS], ["ls.yaml", text])).toEqual([
      {
        source: "ls.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "apps",
        namespace: "default",
        path: "spec.config.bucket",
        message: 'unknown field "bucket"',
      },
    ]);
  });

  it("YAML 1.1 booleans in labels fail like they would with kubectl", () => {
    const resources = `${DEPLOYMENTS}
          filters:
            namespaceSelector:
              matchLabels: {disaster-recovery: yes}`;
    const [p] = problemsOf(["assets.yaml", ASSETS], ["ls.yaml", liveSync("apps", "", resources)]);
    expect(p && `${p.path}: ${p.message}`).toBe(
      "spec.config.replication.resources[0].filters.namespaceSelector.matchLabels[disaster-recovery]: must be of type string, got boolean",
    );
  });

  it("missing references: clusters, bucket, Secrets, per namespace", () => {
    const text = `${liveSync("apps", "    bucketName: gcp").replace("sourceName: source", "sourceName: src")}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: elsewhere, namespace: dr}
spec: {secretName: source}
`;
    expect(problemsOf(["assets.yaml", ASSETS], ["ls.yaml", text])).toEqual([
      {
        source: "ls.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "apps",
        namespace: "default",
        path: "spec.config.sourceName",
        message: 'KubernetesCluster "src" not found in namespace "default"',
      },
      {
        source: "ls.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "apps",
        namespace: "default",
        path: "spec.config.bucketName",
        message: 'Bucket "gcp" not found in namespace "default"',
      },
      {
        source: "ls.yaml",
        index: 1,
        kind: "KubernetesCluster",
        name: "elsewhere",
        namespace: "dr",
        path: "spec.secretName",
        message: 'Secret "source" not found in namespace "dr"',
      },
    ]);
  });

  it("missing or unusable Secret keys", () => {
    const text = `
apiVersion: v1
kind: Secret
metadata: {name: kc}
data: {kubeconfig: ${KUBECONFIG_B64}, other.yaml: "not base64!"}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: a}
spec: {secretName: kc}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: b}
spec: {secretName: kc, secretKey: other.yaml}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: {name: c}
spec: {secretName: kc, secretKey: kubeconfig}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {accessKeyID: AKIA, secretAccessKey: ""}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: Bucket
metadata: {name: s3}
spec:
  generic: {endpoint: s3.eu-west-1.amazonaws.com, name: dr}
  secretName: creds
`;
    expect(
      problemsOf(["f.yaml", text]).map((p) => `${p.kind} ${p.name} ${p.path}: ${p.message}`),
    ).toEqual([
      'KubernetesCluster a spec.secretName: Secret "kc" has no key "kubeconfig.yaml" in data or stringData',
      'KubernetesCluster b spec.secretName: Secret "kc" key "other.yaml" in data is not valid base64',
      'Bucket s3 spec.secretName: Secret "creds" key "secretAccessKey" is empty',
    ]);
    const noKeys = text.replace('stringData: {accessKeyID: AKIA, secretAccessKey: ""}', "data: {}");
    expect(
      problemsOf(["f.yaml", noKeys])
        .slice(2)
        .map((p) => p.message),
    ).toEqual([
      'Secret "creds" has no key "accessKeyID" in data or stringData',
      'Secret "creds" has no key "secretAccessKey" in data or stringData',
    ]);
  });

  it("a resource set in two LiveSynchronizations for the same destination", () => {
    const pre = `${DEPLOYMENTS}
          filters: {namespaceSelector: {matchLabels: {env: pre}}}`;
    const preSecond = `${DEPLOYMENTS}
          filters: {namespaceSelector: {matchLabels: {env: pre-second}}}
        - version: v1
          resource: services`;
    // One per namespace (clusters are not shared within one), two KubernetesCluster
    // objects per namespace, one destination cluster: what matters is the kubeconfig's server.
    const set = (ns: string, name: string, resources: string): [string, string][] => [
      [`${ns}/assets.yaml`, inNamespace(ns, destinationServer("https://standby:6443"))],
      [`${ns}/ls.yaml`, inNamespace(ns, liveSync(name, "", resources))],
    ];
    const problems = problemsOf(
      ...set("a", "first", pre),
      ...set("b", "second", preSecond),
      ...set("c", "third", `${DEPLOYMENTS}\n        - version: v1\n          resource: services`),
    );
    expect(problems).toEqual([
      {
        source: "c/ls.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "third",
        namespace: "c",
        path: "spec.config.replication.resources[0]",
        message:
          "apps/deployments covered by LiveSynchronization a/first already (its resources[0]) and their filters may overlap; a resource set may belong to only one LiveSynchronization per destination cluster",
      },
      {
        source: "c/ls.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "third",
        namespace: "c",
        path: "spec.config.replication.resources[1]",
        message:
          "services covered by LiveSynchronization b/second already (its resources[1]) and their filters may overlap; a resource set may belong to only one LiveSynchronization per destination cluster",
      },
    ]);
  });

  it("a resource set split by label selector expressions is fine (issue 15)", () => {
    const bad = `${DEPLOYMENTS}
          filters: {selector: {matchLabels: {bad: "yes"}}}`;
    const good = `${DEPLOYMENTS}
          filters: {selector: {matchExpressions: [{key: bad, operator: DoesNotExist}]}}`;
    const set = (ns: string, name: string, resources: string): [string, string][] => [
      [`${ns}/assets.yaml`, inNamespace(ns, destinationServer("https://standby:6443"))],
      [`${ns}/ls.yaml`, inNamespace(ns, liveSync(name, "", resources))],
    ];
    expect(problemsOf(...set("a", "bad", bad), ...set("b", "good", good))).toEqual([]);
  });

  it("the same resources for different destination clusters are fine", () => {
    expect(
      problemsOf(
        ["a/assets.yaml", inNamespace("a", destinationServer("https://standby-1:6443"))],
        ["a/ls.yaml", inNamespace("a", liveSync("first"))],
        ["b/assets.yaml", inNamespace("b", destinationServer("https://standby-2:6443"))],
        ["b/ls.yaml", inNamespace("b", liveSync("second"))],
      ),
    ).toEqual([]);
  });

  it("one LiveSynchronization per namespace may use a given cluster or bucket", () => {
    const other = liveSync("second", "", DEPLOYMENTS.replace("apps", "batch")).replace(
      "sourceName: source",
      "sourceName: source\n    bucketName: archive",
    );
    const first = liveSync("first").replace(
      "destinationName: destination",
      "destinationName: destination\n    bucketName: archive",
    );
    expect(
      problemsOf(["assets.yaml", ASSETS + BUCKET], ["a.yaml", first], ["b.yaml", other]).map(
        (p) => `${p.name} ${p.path}: ${p.message}`,
      ),
    ).toEqual([
      'second spec.config.sourceName: KubernetesCluster "source" is used by LiveSynchronization default/first already; only one LiveSynchronization per namespace may use a given cluster or bucket: put this one in another namespace with its own KubernetesCluster and Secret',
      'second spec.config.destinationName: KubernetesCluster "destination" is used by LiveSynchronization default/first already; only one LiveSynchronization per namespace may use a given cluster or bucket: put this one in another namespace with its own KubernetesCluster and Secret',
      'second spec.config.bucketName: Bucket "archive" is used by LiveSynchronization default/first already; only one LiveSynchronization per namespace may use a given cluster or bucket: put this one in another namespace with its own Bucket and Secret',
    ]);
  });

  it("duplicate objects: the first one wins", () => {
    const { problems, objects } = check(
      ["assets.yaml", ASSETS],
      ["a.yaml", liveSync("apps")],
      ["b.yaml", liveSync("apps")],
    );
    expect(problems.map((p) => `${p.source}#${p.index} ${p.path}: ${p.message}`)).toEqual([
      "b.yaml#0 metadata.name: duplicate of LiveSynchronization default/apps in a.yaml#0",
    ]);
    expect(objects.LiveSynchronization).toHaveLength(1);
  });

  it("upstream astronetes.io objects are validated and told to move", () => {
    const text = ASSETS.replaceAll("assets.livesync.dev", "assets.astronetes.io");
    expect(
      problemsOf(["assets.yaml", text]).map((p) => `${p.index} ${p.path}: ${p.message}`),
    ).toEqual([
      '2 apiVersion: "assets.astronetes.io/v1alpha1" is the upstream product\'s group; use "assets.livesync.dev/v1alpha1"',
      '3 apiVersion: "assets.astronetes.io/v1alpha1" is the upstream product\'s group; use "assets.livesync.dev/v1alpha1"',
    ]);
  });
});
