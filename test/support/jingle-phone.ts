/**
 * The XMPP side of an end-to-end call test: a logged-in TestClient that plays a Jingle client (JMI,
 * session-initiate/accept/terminate, session-info) and carries real RTP with an RtpPeer. It speaks
 * RAW-UDP (XEP-0177) or ICE-UDP (XEP-0176, host candidate, no DTLS: Node has no DTLS-SRTP) and
 * advertises exactly that in disco#info, so the gateway offers it what it can take.
 *
 * Stanzas are written here by hand (not with the gateway's own builders) so that the tests check the
 * gateway against an independent idea of the protocol.
 *
 *     const phone = await JinglePhone.attach(alice, { transport: "raw-udp" });
 *     const call = await phone.call("bob@sip.example.com");   // propose, proceed, session-initiate
 *     await phone.waitJingle(call.sid, "session-accept");
 */
import { RtpPeer } from "./rtp-peer.js";
import { xml, type Element, type TestClient } from "./xmpp-test-client.js";

const NS_JINGLE = "urn:xmpp:jingle:1";
const NS_JMI = "urn:xmpp:jingle-message:0";
const NS_RTP = "urn:xmpp:jingle:apps:rtp:1";
const NS_RAW = "urn:xmpp:jingle:transports:raw-udp:1";
const NS_ICE = "urn:xmpp:jingle:transports:ice-udp:1";
const NS_INFO = "urn:xmpp:jingle:apps:rtp:info:1";
const NS_DISCO = "http://jabber.org/protocol/disco#info";

export interface JinglePhoneOptions {
  transport: "raw-udp" | "ice-udp";
}

interface IqCallee {
  get(ns: string, name: string, handler: (ctx: { stanza: Element }) => unknown): void;
  set(ns: string, name: string, handler: (ctx: { stanza: Element }) => unknown): void;
}

let counter = 0;

export class JinglePhone {
  /** Every <jingle/> iq received (the whole iq), in order. */
  readonly jingles: Element[] = [];
  private waiters: { pred: (iq: Element) => boolean; resolve: (iq: Element) => void }[] = [];

  private constructor(
    readonly client: TestClient,
    readonly rtp: RtpPeer,
    readonly opts: JinglePhoneOptions,
  ) {}

  static async attach(client: TestClient, opts: JinglePhoneOptions): Promise<JinglePhone> {
    const rtp = await RtpPeer.start(opts.transport === "ice-udp" ? { ice: { role: "controlled" } } : {});
    const phone = new JinglePhone(client, rtp, opts);
    const callee = (client.xmpp as unknown as { iqCallee: IqCallee }).iqCallee;
    callee.get(NS_DISCO, "query", () =>
      xml(
        "query",
        { xmlns: NS_DISCO },
        xml("identity", { category: "client", type: "pc" }),
        ...[NS_DISCO, NS_JINGLE, NS_RTP, "urn:xmpp:jingle:apps:rtp:audio", NS_JMI]
          .concat(opts.transport === "raw-udp" ? [NS_RAW] : [NS_ICE])
          .map((f) => xml("feature", { var: f })),
      ),
    );
    callee.set(NS_JINGLE, "jingle", ({ stanza }) => {
      phone.jingles.push(stanza);
      const w = phone.waiters.find((x) => x.pred(stanza));
      if (w) {
        phone.waiters = phone.waiters.filter((x) => x !== w);
        w.resolve(stanza);
      }
      return true;
    });
    return phone;
  }

  /** The next (or an already received) Jingle iq of `sid` with `action`. */
  waitJingle(sid: string, action: string, timeoutMs = 8000): Promise<Element> {
    const pred = (iq: Element) => {
      const j = iq.getChild("jingle", NS_JINGLE);
      return j?.attrs.sid === sid && j.attrs.action === action;
    };
    const seen = this.jingles.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.resolve !== done);
        reject(
          new Error(`no ${action} for ${sid} within ${timeoutMs} ms; got: ${this.jingles.map(a).join(", ")}`),
        );
      }, timeoutMs);
      const done = (iq: Element) => {
        clearTimeout(timer);
        resolve(iq);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** The next XEP-0353 message with `action` (and `id`, when given). */
  waitJmi(action: string, id?: string, timeoutMs = 8000): Promise<Element> {
    return this.client.waitFor(
      (s) =>
        s.name === "message" &&
        s.getChild(action, NS_JMI) !== undefined &&
        (!id || s.getChild(action, NS_JMI)?.attrs.id === id),
      timeoutMs,
    );
  }

  /** Our audio content: PCMU and telephone-event, RAW-UDP or ICE-UDP with our host candidate. */
  content(creator: "initiator" | "responder" = "initiator"): Element {
    const c = this.rtp.candidate;
    const transport =
      this.opts.transport === "raw-udp"
        ? xml(
            "transport",
            { xmlns: NS_RAW },
            xml("candidate", { id: "c1", component: "1", generation: "0", ip: c.ip, port: String(c.port) }),
          )
        : xml(
            "transport",
            { xmlns: NS_ICE, ufrag: this.rtp.ice!.ufrag, pwd: this.rtp.ice!.pwd },
            xml("candidate", {
              foundation: c.foundation,
              component: "1",
              generation: "0",
              id: "c1",
              ip: c.ip,
              port: String(c.port),
              priority: String(c.priority),
              protocol: "udp",
              type: "host",
              network: "0",
            }),
          );
    return xml(
      "content",
      { creator, name: "audio", senders: "both" },
      xml(
        "description",
        { xmlns: NS_RTP, media: "audio" },
        xml("payload-type", { id: "0", name: "PCMU", clockrate: "8000" }),
        xml("payload-type", { id: "8", name: "PCMA", clockrate: "8000" }),
        xml("payload-type", { id: "101", name: "telephone-event", clockrate: "8000" }),
        xml("rtcp-mux"),
      ),
      transport,
    );
  }

  /** Points our RTP at the transport of a received session-initiate / session-accept. */
  useRemote(iq: Element): void {
    const t = iq
      .getChild("jingle", NS_JINGLE)
      ?.getChild("content")
      ?.getChildElements()
      .find((e) => e.name === "transport");
    if (!t) throw new Error(`no transport in ${iq.toString()}`);
    const cands = t.getChildren("candidate").filter((x) => x.attrs.component === "1");
    const first = cands[0];
    if (!first) throw new Error(`no component-1 candidate in ${t.toString()}`);
    if (t.attrs.xmlns === NS_ICE && this.rtp.ice) {
      this.rtp.startIce({
        ufrag: String(t.attrs.ufrag),
        pwd: String(t.attrs.pwd),
        candidates: cands.map((x) => ({
          foundation: String(x.attrs.foundation),
          component: 1,
          protocol: String(x.attrs.protocol),
          priority: Number(x.attrs.priority),
          ip: String(x.attrs.ip),
          port: Number(x.attrs.port),
          type: String(x.attrs.type),
        })),
      });
    }
    this.rtp.setRemote(String(first.attrs.ip), Number(first.attrs.port));
  }

  /** Calls `to` (a SIP user's bare JID): propose, wait for proceed, session-initiate to its sender. */
  async call(to: string, opts: { jmi?: boolean } = {}): Promise<{ sid: string; peer: string }> {
    const sid = `call-${process.pid}-${++counter}`;
    let peer = `${to}/phone`;
    if (opts.jmi !== false) {
      await this.client.send(
        xml(
          "message",
          { to, type: "chat", id: `p-${sid}` },
          xml("propose", { xmlns: NS_JMI, id: sid }, xml("description", { xmlns: NS_RTP, media: "audio" })),
        ),
      );
      const proceed = await this.waitJmi("proceed", sid);
      peer = String(proceed.attrs.from);
    }
    await this.client.iq(
      xml(
        "iq",
        { type: "set", to: peer },
        xml(
          "jingle",
          { xmlns: NS_JINGLE, action: "session-initiate", sid, initiator: this.client.jid },
          this.content(),
        ),
      ),
    );
    return { sid, peer };
  }

  /** Waits for a JMI propose, sends ringing and proceed, waits for the session-initiate. */
  async ring(): Promise<{ sid: string; peer: string; initiate: () => Promise<Element> }> {
    const propose = await this.waitJmi("propose", undefined, 10_000);
    const sid = String(propose.getChild("propose", NS_JMI)!.attrs.id);
    const caller = String(propose.attrs.from);
    await this.client.send(
      xml("message", { to: caller.split("/")[0], type: "chat" }, xml("ringing", { xmlns: NS_JMI, id: sid })),
    );
    return {
      sid,
      peer: caller,
      initiate: async () => {
        await this.client.send(
          xml(
            "message",
            { to: caller.split("/")[0], type: "chat" },
            xml("proceed", { xmlns: NS_JMI, id: sid }),
          ),
        );
        return this.waitJingle(sid, "session-initiate");
      },
    };
  }

  async sendJmi(to: string, action: "reject" | "retract", sid: string, reason: string): Promise<void> {
    await this.client.send(
      xml(
        "message",
        { to: to.split("/")[0], type: "chat" },
        xml(action, { xmlns: NS_JMI, id: sid }, xml("reason", { xmlns: NS_JINGLE }, xml(reason))),
      ),
    );
  }

  async accept(sid: string, peer: string, initiate: Element): Promise<void> {
    this.useRemote(initiate);
    await this.client.iq(
      xml(
        "iq",
        { type: "set", to: peer },
        xml(
          "jingle",
          { xmlns: NS_JINGLE, action: "session-accept", sid, responder: this.client.jid },
          this.content("initiator"),
        ),
      ),
    );
  }

  async terminate(sid: string, peer: string, reason = "success"): Promise<void> {
    await this.client.iq(
      xml(
        "iq",
        { type: "set", to: peer },
        xml("jingle", { xmlns: NS_JINGLE, action: "session-terminate", sid }, xml("reason", {}, xml(reason))),
      ),
    );
  }

  async info(sid: string, peer: string, child: Element): Promise<void> {
    await this.client.iq(
      xml(
        "iq",
        { type: "set", to: peer },
        xml("jingle", { xmlns: NS_JINGLE, action: "session-info", sid }, child),
      ),
    );
  }

  hold(sid: string, peer: string, on: boolean): Promise<void> {
    return this.info(sid, peer, xml(on ? "hold" : "unhold", { xmlns: NS_INFO }));
  }

  /** The reason condition of the session-terminate the phone received for `sid`. */
  async terminatedWith(sid: string, timeoutMs = 8000): Promise<string> {
    const iq = await this.waitJingle(sid, "session-terminate", timeoutMs);
    const reason = iq.getChild("jingle", NS_JINGLE)?.getChild("reason");
    return reason?.getChildElements().find((e) => e.name !== "text")?.name ?? "";
  }

  async close(): Promise<void> {
    await this.rtp.close();
  }
}

function a(iq: Element): string {
  const j = iq.getChild("jingle", NS_JINGLE);
  return `${String(j?.attrs.action)}(${String(j?.attrs.sid)})`;
}
