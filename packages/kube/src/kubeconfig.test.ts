import { describe, expect, it } from "vitest";
import {
  connectionFromKubeconfig,
  inClusterConnection,
  KubeconfigError,
  NoCurrentCluster,
} from "./kubeconfig.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const files: Record<string, string> = { "/ca.pem": "CA FILE", "/token": "file-token\n" };
const readFile = (p: string) => {
  if (!(p in files)) throw new Error(`ENOENT ${p}`);
  return files[p]!;
};

const kubeconfig = (cluster: string, user: string, current = "ctx") => `
apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster:
${cluster}
users:
  - name: u
    user:
${user}
contexts:
  - name: ctx
    context: { cluster: c, user: u }
current-context: ${current}
`;

describe("connectionFromKubeconfig", () => {
  it("reads the server, CA and client certificate of the current context", () => {
    const c = connectionFromKubeconfig(
      kubeconfig(
        `      server: https://10.0.0.1:6443\n      certificate-authority-data: ${b64("CA")}`,
        `      client-certificate-data: ${b64("CERT")}\n      client-key-data: ${b64("KEY")}`,
      ),
      readFile,
    );
    expect(c).toEqual({
      server: new URL("https://10.0.0.1:6443"),
      ca: "CA",
      cert: "CERT",
      key: "KEY",
      rejectUnauthorized: true,
      servername: undefined,
      headers: undefined,
    });
  });

  it("reads files, tokens, basic credentials and insecure-skip-tls-verify", () => {
    const fromFiles = connectionFromKubeconfig(
      kubeconfig(
        "      server: https://h\n      certificate-authority: /ca.pem\n      insecure-skip-tls-verify: true\n      tls-server-name: api",
        "      tokenFile: /token",
      ),
      readFile,
    );
    expect(fromFiles).toMatchObject({
      ca: "CA FILE",
      rejectUnauthorized: false,
      servername: "api",
      headers: { authorization: "Bearer file-token" },
    });
    const token = connectionFromKubeconfig(
      kubeconfig("      server: https://h", "      token: abc"),
      readFile,
    );
    expect(token).toMatchObject({ headers: { authorization: "Bearer abc" } });
    const basic = connectionFromKubeconfig(
      kubeconfig("      server: https://h", "      username: me\n      password: pw"),
      readFile,
    );
    expect(basic).toMatchObject({ headers: { authorization: `Basic ${b64("me:pw")}` } });
  });

  it("leaves exec and auth-provider credentials to client-node", () => {
    const exec = kubeconfig("      server: https://h", "      exec: { command: aws }");
    expect(connectionFromKubeconfig(exec, readFile)).toEqual({ delegate: "exec" });
    const oidc = kubeconfig("      server: https://h", "      auth-provider: { name: oidc }");
    expect(connectionFromKubeconfig(oidc, readFile)).toEqual({ delegate: "auth-provider" });
  });

  it("names what is wrong with a kubeconfig it cannot use", () => {
    const read = (text: string) => () => connectionFromKubeconfig(text, readFile);
    expect(read("apiVersion: v1\nclusters: [ {{ not yaml")).toThrow(KubeconfigError);
    expect(read("just text")).toThrow(/not a YAML mapping/);
    expect(read(kubeconfig("      server: https://h", "      token: t", "other"))).toThrow(
      NoCurrentCluster,
    );
    expect(read(kubeconfig("      insecure-skip-tls-verify: true", "      token: t"))).toThrow(
      /cluster has no server/,
    );
    expect(read(kubeconfig("      server: not a url", "      token: t"))).toThrow(/not a URL/);
    expect(read("current-context: x\ncontexts: {}")).toThrow(/contexts is not a list/);
    expect(read(kubeconfig("      server: https://h", "      tokenFile: /missing"))).toThrow(
      /ENOENT/,
    );
  });
});

describe("inClusterConnection", () => {
  it("uses the service account's token and CA and the service's address", () => {
    const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    const read = (p: string) => ({ [`${sa}/ca.crt`]: "SA CA", [`${sa}/token`]: "sa-token\n" })[p]!;
    const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
    expect(inClusterConnection(env, read)).toEqual({
      server: new URL("https://10.96.0.1:443"),
      ca: "SA CA",
      rejectUnauthorized: true,
      headers: { authorization: "Bearer sa-token" },
    });
    expect(
      inClusterConnection(
        { ...env, KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" },
        read,
      ).server.host,
    ).toBe("[fd00::1]:6443");
    expect(() => inClusterConnection({}, read)).toThrow(/not in a cluster/);
  });
});
