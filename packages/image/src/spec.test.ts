import { describe, expect, it } from "vitest";
import { LIVESYNC_IMAGE, NATS_IMAGE, accountFiles, fullImageName } from "./spec.js";
import { imageConfig, imageIndex } from "./oci.js";

describe("fullImageName", () => {
  it("names images the way the kubelet asks containerd for them", () => {
    expect(fullImageName("livesync", "0.1.0")).toBe("docker.io/library/livesync:0.1.0");
    expect(fullImageName("acme/livesync", "1")).toBe("docker.io/acme/livesync:1");
    expect(fullImageName("registry.example:5000/livesync", "1")).toBe(
      "registry.example:5000/livesync:1",
    );
    expect(fullImageName("localhost/x", "1")).toBe("docker.io/localhost/x:1");
  });
});

describe("accountFiles", () => {
  it("adds the image's user to the base's accounts", () => {
    const files = accountFiles(LIVESYNC_IMAGE, {
      passwd: "root:x:0:0::/root:/bin/sh",
      group: "root:x:0:\n",
    });
    expect(files.passwd).toBe(
      "root:x:0:0::/root:/bin/sh\nlivesync:x:10001:10001::/app:/usr/sbin/nologin\n",
    );
    expect(files.group).toBe("root:x:0:\nlivesync:x:10001:\n");
  });

  it("gives a scratch image root and its user", () => {
    expect(accountFiles(NATS_IMAGE).passwd.split("\n")).toEqual([
      "root:x:0:0:root:/root:/sbin/nologin",
      "nats:x:1000:1000::/:/usr/sbin/nologin",
      "",
    ]);
  });
});

describe("imageConfig and imageIndex", () => {
  it("start the image as the spec says, as its non-root user", () => {
    const config = imageConfig(LIVESYNC_IMAGE, ["sha256:a", "sha256:b"]) as {
      config: Record<string, unknown>;
      rootfs: unknown;
    };
    expect(config.config.User).toBe("10001:10001");
    expect(config.config.Entrypoint).toEqual([
      "/usr/local/bin/node",
      "/app/services/cli/dist/src/main.js",
    ]);
    expect(config.config.WorkingDir).toBe("/app");
    expect(config.config.Env).toContain("NODE_ENV=production");
    expect(config.config.ExposedPorts).toEqual({ "9090/tcp": {} });
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: ["sha256:a", "sha256:b"] });
    const nats = imageConfig(NATS_IMAGE, []) as { config: Record<string, unknown> };
    expect(nats.config.Volumes).toEqual({ "/data": {} });
  });

  it("carry containerd's name annotation and the tag", () => {
    const index = imageIndex(
      { mediaType: "m", digest: "sha256:d", size: 1 },
      "docker.io/library/livesync:0.1.0",
    ) as { manifests: { annotations: Record<string, string> }[] };
    expect(index.manifests[0]!.annotations).toEqual({
      "io.containerd.image.name": "docker.io/library/livesync:0.1.0",
      "org.opencontainers.image.ref.name": "0.1.0",
    });
  });
});
