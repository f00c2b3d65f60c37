/**
 * sipp scenarios for presence (RFC 3856 over RFC 6665), written per test into a temp file like
 * sipp-message.ts: a SIP watcher (UAC: SUBSCRIBE, then NOTIFYs answered 200, maybe an un-SUBSCRIBE)
 * and a SIP presentity (UAS: answers SUBSCRIBE, sends NOTIFYs with PIDF).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let n = 0;
function write(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sipp-pres-"));
  const file = join(dir, `scenario-${++n}.xml`);
  writeFileSync(file, xml, "utf8");
  return file;
}

const ok200 = `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;

export type WatcherStep =
  /** Receive a NOTIFY whose Subscription-State matches `state` (a regex), answer it `status`. */
  | { notify: string; status?: number; timeoutMs?: number }
  /** Send a SUBSCRIBE in the dialog with this Expires and require `expect`. */
  | { resubscribe: number; expect: number }
  | { pause: number };

export interface WatcherScenario {
  from: string;
  to: string;
  expires?: number;
  event?: string;
  /** The final response the first SUBSCRIBE must get. */
  expect: number;
  steps?: WatcherStep[];
}

/** A SIP watcher: SUBSCRIBE to `to`, then `steps`. */
export function presenceWatcherUac(s: WatcherScenario): string {
  let cseq = 1;
  const subscribe = (expires: number, inDialog: boolean) => `  <send retrans="500">
    <![CDATA[
      SUBSCRIBE ${inDialog ? "[next_url]" : s.to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <${s.from}>;tag=[pid]SIPpTag00[call_number]
      To: <${s.to}>${inDialog ? ";tag=[$gwtag]" : ""}
      Call-ID: [call_id]
      CSeq: ${cseq++} SUBSCRIBE
      Contact: <sip:watcher@[local_ip]:[local_port]>
      Max-Forwards: 70
      Event: ${s.event ?? "presence"}
      Accept: application/pidf+xml
      Expires: ${expires}
      Content-Length: 0

    ]]>
  </send>`;
  const captureTag = `<action><ereg regexp=";tag=([^;>[:space:]]*)" search_in="hdr" header="To:" assign_to="d1,gwtag"/></action>`;
  const parts: string[] = [subscribe(s.expires ?? 600, false)];
  parts.push(
    s.expect < 300
      ? `  <recv response="${s.expect}" rrs="true">${captureTag}</recv>`
      : `  <recv response="${s.expect}"/>`,
  );
  let k = 0;
  for (const step of s.steps ?? []) {
    if ("pause" in step) parts.push(`  <pause milliseconds="${step.pause}"/>`);
    else if ("resubscribe" in step) {
      parts.push(subscribe(step.resubscribe, true));
      parts.push(`  <recv response="${step.expect}"/>`);
    } else {
      k++;
      parts.push(`  <recv request="NOTIFY" timeout="${step.timeoutMs ?? 15000}">
    <action><ereg regexp="^ *${step.notify}" search_in="hdr" header="Subscription-State:" check_it="true" assign_to="ss${k}"/></action>
  </recv>`);
      parts.push(
        (step.status ?? 200) === 200
          ? ok200
          : ok200.replace("SIP/2.0 200 OK", `SIP/2.0 ${step.status} Refused`),
      );
    }
  }
  const refs = ["d1", "gwtag", ...Array.from({ length: k }, (_, i) => `ss${i + 1}`)];
  const referenced = s.expect < 300 ? refs : refs.slice(2);
  return write(`<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="presence-watcher">
${parts.join("\n")}
${referenced.length > 0 ? `  <Reference variables="${referenced.join(",")}"/>` : ""}
</scenario>
`);
}

export interface PresentityScenario {
  /** The SIP presentity's URI (From of the NOTIFYs). */
  uri: string;
  /** The watcher's SIP URI (To of the NOTIFYs). */
  watcher: string;
  /** Status for the SUBSCRIBE. */
  status: number;
  expires?: number;
  /** PIDF bodies to send after a 2xx, in order, each as `active` NOTIFYs (a pause before each). */
  notifies?: string[];
  /** After the NOTIFYs: wait for the un-SUBSCRIBE (Expires: 0), answer it and send NOTIFY terminated. */
  awaitUnsubscribe?: boolean;
  /** Before the first NOTIFY, pause this long. */
  pauseMs?: number;
  /** Extra headers on the SUBSCRIBE's answer (e.g. Min-Expires for a 423). */
  answerHeaders?: Record<string, string>;
}

/** A SIP presentity answering one SUBSCRIBE (per call) and notifying. */
export function presentityUas(s: PresentityScenario): string {
  let cseq = 1;
  const extra = Object.entries(s.answerHeaders ?? {})
    .map(([k, v]) => `      ${k}: ${v}\n`)
    .join("");
  const notify = (state: string, body?: string) => `  <send retrans="500">
    <![CDATA[
      NOTIFY [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <${s.uri}>;tag=[pid]SIPpTag01[call_number]
      To: <${s.watcher}>;tag=[$wtag]
      Call-ID: [call_id]
      CSeq: ${cseq++} NOTIFY
      Contact: <sip:presentity@[local_ip]:[local_port]>
      Max-Forwards: 70
      Event: presence
      Subscription-State: ${state}
${body ? "      Content-Type: application/pidf+xml\n" : ""}      Content-Length: [len]

${body ?? ""}]]>
  </send>
  <recv response="200"/>`;
  const parts: string[] = [
    `  <recv request="SUBSCRIBE" crlf="true">
    <action>
      <ereg regexp=";tag=([^;>[:space:]]*)" search_in="hdr" header="From:" assign_to="d1,wtag"/>
      <ereg regexp="&lt;([^&gt;]*)&gt;" search_in="hdr" header="Contact:" assign_to="d2,contact"/>
      <ereg regexp="presence" search_in="hdr" header="Event:" check_it="true" assign_to="ev"/>
    </action>
  </recv>`,
    `  <send>
    <![CDATA[
      SIP/2.0 ${s.status} ${s.status < 300 ? "OK" : "Refused"}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:presentity@[local_ip]:[local_port]>
${s.status < 300 ? `      Expires: ${s.expires ?? 600}\n` : ""}${extra}      Content-Length: 0

    ]]>
  </send>`,
  ];
  if (s.status < 300) {
    if (s.pauseMs) parts.push(`  <pause milliseconds="${s.pauseMs}"/>`);
    for (const body of s.notifies ?? []) {
      parts.push(notify(`active;expires=${s.expires ?? 600}`, body));
    }
    if (s.awaitUnsubscribe) {
      parts.push(`  <recv request="SUBSCRIBE" timeout="20000">
    <action><ereg regexp="^ *0" search_in="hdr" header="Expires:" check_it="true" assign_to="e0"/></action>
  </recv>`);
      parts.push(ok200);
      parts.push(notify("terminated;reason=timeout"));
    }
  }
  const refs = ["d1", "wtag", "d2", "contact", "ev", ...(s.awaitUnsubscribe && s.status < 300 ? ["e0"] : [])];
  return write(`<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="presentity">
${parts.join("\n")}
  <Reference variables="${refs.join(",")}"/>
</scenario>
`);
}

/** A PIDF document for a SIP presentity: open or closed, with an optional note and RPID activity. */
export function pidf(entity: string, o: { open: boolean; note?: string; activity?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${entity}">
  <tuple id="t1"><status><basic>${o.open ? "open" : "closed"}</basic></status></tuple>
  <dm:person id="p1">${o.activity ? `<rpid:activities><rpid:${o.activity}/></rpid:activities>` : ""}${o.note ? `<dm:note>${o.note}</dm:note>` : ""}</dm:person>
</presence>`;
}
