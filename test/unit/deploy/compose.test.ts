/**
 * The deployment files: the compose file must be valid for docker-compose (Debian's v1 validates it
 * without an engine), wire the services the README promises, and the demo configuration it mounts
 * must pass the gateway's own schema.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { loadConfig } from "../../../src/config/load-config.js";

const run = promisify(execFile);

async function composeConfig(
  ...extra: string[]
): Promise<{ services: Record<string, Record<string, unknown>> }> {
  const { stdout } = await run("docker-compose", ["-f", "docker/docker-compose.yml", ...extra, "config"]);
  return parse(stdout) as { services: Record<string, Record<string, unknown>> };
}

describe("docker/docker-compose.yml", () => {
  it("is valid and runs the gateway, drachtio-server and rtpengine", async () => {
    const c = await composeConfig();
    // docker-compose v1's `config` lists profiled services too; the default set is the unprofiled ones.
    const always = Object.entries(c.services).filter(([, s]) => !s["profiles"]);
    assert.deepEqual(always.map(([name]) => name).sort(), ["drachtio", "gateway", "rtpengine"]);
    assert.match(String(c.services["drachtio"]!["image"]), /^drachtio\/drachtio-server:/);
  });

  it("adds ejabberd under the xmpp profile", async () => {
    const c = await composeConfig("--profile", "xmpp");
    assert.deepEqual(c.services["ejabberd"]?.["profiles"], ["xmpp"]);
  });

  it("mounts a demo configuration that the gateway accepts", () => {
    const config = loadConfig({
      file: "docker/demo/gateway.yaml",
      env: { GATEWAY_XMPP_SECRET: "s", GATEWAY_DRACHTIO_SECRET: "d" },
    });
    assert.equal(config.xmpp.host, "ejabberd");
    assert.equal(config.sip.drachtio.host, "drachtio");
    assert.equal(config.media.rtpengine.host, "rtpengine");
    assert.ok(config.health.port > 0, "the image's HEALTHCHECK needs the health endpoint");
  });
});
