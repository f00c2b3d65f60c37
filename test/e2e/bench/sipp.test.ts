import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../support/ports.js";
import { runSipp, sippScenario, startSippServer, type SippServer } from "../../support/sipp.js";

// A UAS answering one OPTIONS. sipp checks a response's status code when it loads the scenario,
// before keyword substitution, so the status cannot be a [key]; the X-Bench header value can.
const optionsResponder = (status: string): string => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="OPTIONS responder">
  <recv request="OPTIONS" />
  <send>
    <![CDATA[

      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port]>
      X-Bench: [bench]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

describe("sipp bench helper", () => {
  const servers: SippServer[] = [];
  let tmp = "";
  let responder200 = "";
  let responder404 = "";
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "sxg-sipp-test-"));
    responder200 = path.join(tmp, "options-200.xml");
    responder404 = path.join(tmp, "options-404.xml");
    await writeFile(responder200, optionsResponder("200 OK"));
    await writeFile(responder404, optionsResponder("404 Not Found"));
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it("built-in uac against a built-in uas in the background: exit code 0, messages recorded", async (t) => {
    let t0 = Date.now();
    const uas = await startSippServer({ scenario: "uas", calls: 1 });
    servers.push(uas);
    t.diagnostic(`sipp uas ready: ${Date.now() - t0} ms`);
    t0 = Date.now();
    const res = await runSipp({ scenario: "uac", remote: `127.0.0.1:${uas.port}`, calls: 1 });
    t.diagnostic(`sipp uac run: ${Date.now() - t0} ms`);
    assert.equal(res.exitCode, 0, `${res.command}\n${res.stderr}\n${res.stdout}`);
    assert.match(res.messages ?? "", new RegExp(`INVITE sip:service@127\\.0\\.0\\.1:${uas.port} SIP/2\\.0`));
    assert.match(res.messages ?? "", /SIP\/2\.0 200 OK/);
    assert.match(res.messages ?? "", /^BYE sip:/m);
    assert.doesNotMatch(res.messages ?? "", /:5060\b/, "sipp did not fall back to port 5060");
    t0 = Date.now();
    const uasResult = await uas.stop();
    t.diagnostic(`sipp uas stop: ${Date.now() - t0} ms`);
    assert.equal(uasResult.exitCode, 0);
    assert.match(uasResult.messages ?? "", /^INVITE sip:service@/m);
  });

  it("options-uac.xml: 0 on a 200, non-zero on a 404 and when nobody answers", async (t) => {
    const ok = await startSippServer({
      scenario: responder200,
      calls: 1,
      vars: { bench: "answered-by-200" },
    });
    servers.push(ok);
    const res = await runSipp({
      scenario: sippScenario("options-uac"),
      remote: `127.0.0.1:${ok.port}`,
      service: "alice",
      calls: 1,
    });
    assert.equal(res.exitCode, 0, `${res.command}\n${res.stderr}\n${res.stdout}`);
    assert.match(res.messages ?? "", new RegExp(`OPTIONS sip:alice@127\\.0\\.0\\.1:${ok.port} SIP/2\\.0`));
    assert.match(res.messages ?? "", /X-Bench: answered-by-200/);
    assert.equal((await ok.done).exitCode, 0);

    const notFound = await startSippServer({ scenario: responder404, calls: 1, vars: { bench: "x" } });
    servers.push(notFound);
    const res404 = await runSipp({
      scenario: "options-uac", // the name of a file in test/support/sipp/ works too
      remote: `127.0.0.1:${notFound.port}`,
      calls: 1,
    });
    assert.notEqual(res404.exitCode, 0);
    assert.match(res404.messages ?? "", /SIP\/2\.0 404 Not Found/);

    const nobody = await runSipp({
      scenario: sippScenario("options-uac"),
      remote: `127.0.0.1:${await freePort()}`,
      calls: 1,
      recvTimeoutMs: 300,
    });
    assert.notEqual(nobody.exitCode, 0);
    assert.equal(nobody.timedOut, false);
    t.diagnostic(`exit codes: 404 -> ${res404.exitCode}, no answer -> ${nobody.exitCode}`);
  });

  it("the built-in uac fails against nobody (TCP: cannot connect)", async (t) => {
    const res = await runSipp({
      scenario: "uac",
      remote: `127.0.0.1:${await freePort()}`,
      transport: "t1",
      calls: 1,
      recvTimeoutMs: 300,
    });
    assert.notEqual(res.exitCode, 0);
    t.diagnostic(`exit code: ${res.exitCode}`);
  });
});
