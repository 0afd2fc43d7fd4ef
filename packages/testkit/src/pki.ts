import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** File paths of the keys and certificates one cluster needs. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`openssl ${args.join(" ")} failed: ${stderr.trim()}`);
  }
}

/**
 * A CA, a serving certificate for 127.0.0.1/localhost (plus `extraIps`) signed by it, and the
 * service-account signing key pair. Our own CA (not the apiserver's self-signed one) so clients
 * verify TLS. A serving certificate made for other addresses is made again.
 */
export function createClusterPki(dir: string, extraIps: string[] = []): ClusterPki {
  const pki: ClusterPki = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
  const ext =
    `subjectAltName=${["127.0.0.1", ...extraIps].map((ip) => `IP:${ip}`).join(",")},DNS:localhost\n` +
    "extendedKeyUsage=serverAuth\n";
  const extFile = join(dir, "apiserver.ext");
  const sameSans = existsSync(extFile) && readFileSync(extFile, "utf8") === ext;
  if (existsSync(pki.servingCert) && existsSync(pki.serviceAccountPub) && sameSans) return pki;
  if (!existsSync(pki.caCert) || !existsSync(pki.serviceAccountPub)) createCaAndSigningKey(dir);
  writeFileSync(extFile, ext);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "apiserver.key"], dir);
  openssl(
    [
      "req",
      "-new",
      "-key",
      "apiserver.key",
      "-subj",
      "/CN=kube-apiserver",
      "-out",
      "apiserver.csr",
    ],
    dir,
  );
  openssl(
    ["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key"]
      .concat(["-CAcreateserial", "-days", "3650", "-sha256", "-extfile", "apiserver.ext"])
      .concat(["-out", "apiserver.crt"]),
    dir,
  );
  return pki;
}

function createCaAndSigningKey(dir: string): void {
  createCa(dir);
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
}

function createCa(dir: string): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
  openssl(
    ["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650"].concat([
      "-subj",
      "/CN=livesync-testenv-ca",
      "-out",
      "ca.crt",
    ]),
    dir,
  );
}

/** A CA and a certificate for 127.0.0.1/localhost it signed, named `<name>.crt`/`<name>.key`. */
export interface ServingPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
}

/** Creates (once per directory) a CA and a serving certificate `name` signed by it. */
export function createServingPki(dir: string, name: string): ServingPki {
  const pki: ServingPki = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, `${name}.crt`),
    servingKey: join(dir, `${name}.key`),
  };
  if (existsSync(pki.servingCert)) return pki;
  if (!existsSync(pki.caCert)) createCa(dir);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  writeFileSync(
    join(dir, `${name}.ext`),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    ["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`],
    dir,
  );
  openssl(
    ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key"]
      .concat(["-CAcreateserial", "-days", "3650", "-sha256", "-extfile", `${name}.ext`])
      .concat(["-out", `${name}.crt`]),
    dir,
  );
  return pki;
}
