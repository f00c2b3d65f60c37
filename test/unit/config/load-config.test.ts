import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { renderReference, renderSample, schemaKeys } from "../../../src/config/describe-config.js";
import { ConfigError, loadConfig } from "../../../src/config/load-config.js";

const MINIMAL_ENV = {
  GATEWAY_XMPP_HOST: "127.0.0.1",
  GATEWAY_XMPP_DOMAIN: "sip.example.com",
  GATEWAY_XMPP_SECRET: "s3cret",
  GATEWAY_SIP_DOMAINS: "sip.example.com",
  GATEWAY_DRACHTIO_HOST: "127.0.0.1",
  GATEWAY_DRACHTIO_SECRET: "cymru",
  GATEWAY_RTPENGINE_HOST: "127.0.0.1",
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("expected the configuration to be rejected");
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-config-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("configuration schema", () => {
  it("declares doc, format, default and a unique GATEWAY_* env var for every key", () => {
    const keys = schemaKeys();
    assert.ok(keys.length >= 15);
    const envs = new Set<string>();
    for (const k of keys) {
      assert.ok(k.doc.length > 20, `${k.path} needs a real doc`);
      assert.match(k.env, /^GATEWAY_[A-Z_]+$/, `${k.path} env`);
      assert.ok(!envs.has(k.env), `${k.env} is used twice`);
      envs.add(k.env);
    }
  });

  it("needs only the documented minimal keys", () => {
    const required = schemaKeys()
      .filter((k) => k.required)
      .map((k) => k.path)
      .sort();
    assert.deepEqual(required, [
      "media.rtpengine.host",
      "sip.domains",
      "sip.drachtio.host",
      "sip.drachtio.secret",
      "xmpp.domain",
      "xmpp.host",
      "xmpp.secret",
    ]);
    const c = loadConfig({ env: MINIMAL_ENV });
    assert.equal(c.xmpp.port, 5347);
    assert.equal(c.sip.drachtio.port, 9022);
    assert.equal(c.media.rtpengine.port, 22222);
    assert.deepEqual(c.sip.domains, ["sip.example.com"]);
  });

  it("docs/configuration.md and config/gateway.example.yaml are what the schema renders", () => {
    assert.equal(readFileSync("docs/configuration.md", "utf8"), renderReference(), "run npm run config:docs");
    assert.equal(
      readFileSync("config/gateway.example.yaml", "utf8"),
      renderSample(),
      "run npm run config:docs",
    );
  });

  it("the commented sample is a valid configuration", () => {
    const c = loadConfig({ file: "config/gateway.example.yaml", env: {} });
    assert.equal(c.xmpp.domain, "sip.example.com");
    assert.equal(c.log.level, "info");
  });
});

describe("loading", () => {
  it("names every missing required key, one line each", () => {
    const p = problems(() => loadConfig({ env: {} }));
    assert.deepEqual(
      p.map((l) => l.split(":")[0]),
      [
        "xmpp.host",
        "xmpp.domain",
        "xmpp.secret",
        "sip.domains",
        "sip.drachtio.host",
        "sip.drachtio.secret",
        "media.rtpengine.host",
      ],
    );
    for (const line of p) assert.match(line, /it is missing/);
  });

  it("names the key of a wrong value", () => {
    assert.match(
      problems(() => loadConfig({ env: { ...MINIMAL_ENV, GATEWAY_XMPP_PORT: "99999" } }))[0]!,
      /^xmpp\.port: /,
    );
    assert.match(
      problems(() => loadConfig({ env: { ...MINIMAL_ENV, GATEWAY_XMPP_DOMAIN: "not a domain" } }))[0]!,
      /^xmpp\.domain: must be a domain name .*"not a domain"/,
    );
    assert.match(
      problems(() => loadConfig({ env: { ...MINIMAL_ENV, GATEWAY_SIP_DOMAINS: "" } }))[0]!,
      /^sip\.domains: must be a list of at least one domain/,
    );
    assert.match(
      problems(() => loadConfig({ env: { ...MINIMAL_ENV, GATEWAY_LOG_LEVEL: "loud" } }))[0]!,
      /^log\.level: /,
    );
    assert.match(
      problems(() => loadConfig({ env: MINIMAL_ENV, values: { xmpp: { reconnectDelay: -1 } } }))[0]!,
      /^xmpp\.reconnectDelay: must be a whole number of milliseconds/,
    );
    assert.match(
      problems(() => loadConfig({ env: MINIMAL_ENV, values: { sip: { outboundProxy: "proxy" } } }))[0]!,
      /^sip\.outboundProxy: must be empty or a SIP URI/,
    );
  });

  it("rejects unknown keys, naming them", () => {
    const p = problems(() => loadConfig({ env: MINIMAL_ENV, values: { xmpp: { hots: "x" }, extra: 1 } }));
    assert.ok(p.includes("xmpp.hots: unknown key (see docs/configuration.md for the keys)"), p.join("\n"));
    assert.ok(p.some((l) => l.startsWith("extra: unknown key")));
  });

  it("reads YAML files, and environment variables win over the file", () => {
    const file = tempFile(
      "gw.yaml",
      [
        "xmpp: { host: xmpp.example.com, domain: sip.example.com, secret: a, port: 5348 }",
        "sip: { domains: [sip.example.com, other.example.com], drachtio: { host: d, secret: b } }",
        "media: { rtpengine: { host: r } }",
      ].join("\n"),
    );
    const c = loadConfig({
      file,
      env: { GATEWAY_XMPP_PORT: "6000", GATEWAY_XMPP_USER_DOMAINS: "a.example, b.example" },
    });
    assert.equal(c.xmpp.port, 6000);
    assert.equal(c.xmpp.host, "xmpp.example.com");
    assert.deepEqual(c.sip.domains, ["sip.example.com", "other.example.com"]);
    assert.deepEqual(c.xmpp.userDomains, ["a.example", "b.example"]);
  });

  it("takes the file from GATEWAY_CONFIG", () => {
    const file = tempFile("gw.json", JSON.stringify({ xmpp: { port: 7000 } }));
    assert.equal(loadConfig({ env: { ...MINIMAL_ENV, GATEWAY_CONFIG: file } }).xmpp.port, 7000);
  });

  it("explains unreadable and malformed files", () => {
    assert.match(
      problems(() => loadConfig({ file: "/nonexistent/gw.yaml", env: MINIMAL_ENV }))[0]!,
      /cannot read \/nonexistent\/gw.yaml/,
    );
    const bad = tempFile("bad.yaml", "xmpp: [unclosed\n");
    assert.match(
      problems(() => loadConfig({ file: bad, env: MINIMAL_ENV }))[0]!,
      /is not valid YAML or JSON/,
    );
    const list = tempFile("list.yaml", "- a\n- b\n");
    assert.match(problems(() => loadConfig({ file: list, env: MINIMAL_ENV }))[0]!, /must hold a mapping/);
  });
});

describe("command line", () => {
  const run = promisify(execFile);
  const main = ["--import", "tsx", "src/main.ts"];

  it("--check-config accepts the sample", async () => {
    const { stdout } = await run(process.execPath, [
      ...main,
      "--config",
      "config/gateway.example.yaml",
      "--check-config",
    ]);
    assert.equal(stdout.trim(), "configuration is valid");
  });

  it("stops with exit code 2 and one line per problem naming the key", async () => {
    const file = tempFile("gw.yaml", "xmpp: { host: h, domain: sip.example.com, secret: s }\n");
    const err = await run(process.execPath, [...main, "--config", file], {
      env: { PATH: process.env["PATH"] },
    }).then(
      () => assert.fail("should exit non-zero"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err.code, 2);
    const lines = err.stderr.trim().split("\n");
    assert.deepEqual(lines, [
      "config: sip.domains: must be a list of at least one domain, as a YAML list or comma-separated (it is missing)",
      "config: sip.drachtio.host: must be a host name or IP address (it is missing)",
      "config: sip.drachtio.secret: must be a non-empty string (it is missing)",
      "config: media.rtpengine.host: must be a host name or IP address (it is missing)",
    ]);
  });
});
