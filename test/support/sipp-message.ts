/**
 * sipp scenarios for SIP MESSAGE, written per test into a temp file: sipp cannot take a status code
 * or a body with arbitrary characters from -key, so the scenario itself carries them. Bodies go in
 * CDATA and sipp computes Content-Length ([len]) in bytes, so UTF-8 text is sent as it is.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let n = 0;
function write(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sipp-msg-"));
  const file = join(dir, `scenario-${++n}.xml`);
  writeFileSync(file, xml, "utf8");
  return file;
}

function cdata(text: string): string {
  return text.replace(/]]>/g, "]]]]><![CDATA[>");
}

export interface UacMessage {
  from: string;
  to: string;
  /** Request-URI; defaults to `to`. */
  requestUri?: string;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** The final status the scenario requires (sipp fails on any other). */
  expect: number;
  /** A header the response must carry, with a regex its value must match. */
  expectHeader?: { name: string; regexp: string };
}

/** One MESSAGE sent, one final response required. */
export function messageUac(m: UacMessage): string {
  const extra = Object.entries(m.headers ?? {})
    .map(([k, v]) => `      ${k}: ${v}\n`)
    .join("");
  const check = m.expectHeader
    ? `<action><ereg regexp="${m.expectHeader.regexp}" search_in="hdr" header="${m.expectHeader.name}:" check_it="true" assign_to="h"/></action>`
    : "";
  return write(`<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="message-uac">
  <send retrans="500">
    <![CDATA[
      MESSAGE ${m.requestUri ?? m.to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <${m.from}>;tag=[pid]SIPpTag00[call_number]
      To: <${m.to}>
      Call-ID: [call_id]
      CSeq: 1 MESSAGE
      Max-Forwards: 70
      Content-Type: ${m.contentType ?? "text/plain;charset=UTF-8"}
${extra}      Content-Length: [len]

${cdata(m.body)}]]>
  </send>
  <recv response="${m.expect}">${check}</recv>
  ${m.expectHeader ? '<Reference variables="h"/>' : ""}
</scenario>
`);
}

export interface UasMessage {
  /** Final status to answer the MESSAGE with; "none" to never answer (the sender times out). */
  status: number;
  /** Wait this long before answering. */
  delayMs?: number;
}

/**
 * Receives one MESSAGE and answers it with `status`. sipp runs each Call-ID as its own call, so
 * for N messages run this scenario with `calls: N`. The test reads what arrived from `messages`.
 */
export function messageUas(m: UasMessage | { status: "none" }): string {
  const pause = "delayMs" in m && m.delayMs ? `  <pause milliseconds="${m.delayMs}"/>\n` : "";
  const answer =
    m.status === "none"
      ? // Stay silent but alive: a closed port would draw ICMP errors (503 from drachtio), not a timeout.
        `  <pause milliseconds="60000"/>`
      : `${pause}  <send>
    <![CDATA[
      SIP/2.0 ${m.status} ${m.status < 300 ? "OK" : "Failure"}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;
  return write(`<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="message-uas">
  <recv request="MESSAGE" crlf="true"/>
${answer}
</scenario>
`);
}
