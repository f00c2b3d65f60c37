/**
 * What rtpengine is told about each leg of a call. rtpengine's ng `offer` / `answer` take the SDP a
 * party sent and flags that describe the *other* side, the one that receives the rewritten SDP
 * (rtpengine's ng protocol documentation, "offer": "transport-protocol", "ICE", "DTLS", "rtcp-mux",
 * "SDES", "codec"). Only these functions build flags: nothing a client sent becomes a flag.
 *
 * - SIP leg: plain RTP/AVP as SIP phones speak it, ICE removed, RTCP on its own port ("rtcp-mux":
 *   ["demux"]), no DTLS and no SDES offered (RFC 3264 offers of RTP/AVP carry no keys).
 * - XMPP leg: what the client said it speaks. Modern clients (Conversations, Dino, Movim: WebRTC
 *   stacks) need ICE (XEP-0176), DTLS-SRTP (XEP-0320, UDP/TLS/RTP/SAVPF, RFC 5763) and rtcp-mux
 *   (RFC 5761); a client without DTLS (RAW-UDP, XEP-0177, or ICE-UDP without a fingerprint) gets
 *   plain RTP/AVP. rtpengine takes the DTLS "passive" role towards clients: XEP-0320 section 3 has
 *   the initiator offer `actpass`, and a passive gateway never has to reach out first.
 * - Both legs: "inject-DTMF", without which rtpengine refuses the ng "play DTMF" command that turns
 *   a XEP-0181 <dtmf/> into RFC 4733 events (rtpengine's ng documentation, "play DTMF").
 */

/** How the XMPP client of a call carries media. */
export interface XmppMediaProfile {
  ice: boolean;
  dtls: boolean;
}

/** Modern Jingle clients: what the gateway assumes when it cannot ask. */
export const WEBRTC_PROFILE: XmppMediaProfile = { ice: true, dtls: true };

export type NgFlags = Record<string, unknown>;

/** Flags for an ng command whose output SDP goes to the SIP peer. */
export function towardsSip(): NgFlags {
  return {
    "transport-protocol": "RTP/AVP",
    ICE: "remove",
    DTLS: "off",
    SDES: ["off"],
    "rtcp-mux": ["demux"],
    replace: ["origin", "session-connection"],
    flags: ["inject-DTMF"],
  };
}

/** Flags for an ng command whose output SDP goes to the XMPP client. */
export function towardsXmpp(profile: XmppMediaProfile): NgFlags {
  return {
    "transport-protocol": profile.dtls ? "UDP/TLS/RTP/SAVPF" : "RTP/AVP",
    ICE: profile.ice ? "force" : "remove",
    DTLS: profile.dtls ? "passive" : "off",
    SDES: ["off"],
    // RFC 8843/5761: WebRTC clients require rtcp-mux; offering it to others is harmless.
    "rtcp-mux": ["offer"],
    replace: ["origin", "session-connection"],
    flags: ["inject-DTMF"],
  };
}

/**
 * Codecs rtpengine should add (and transcode to) in an offer, when the offer lacks them: towards
 * XMPP, Opus (what WebRTC clients prefer, and the only codec some send); towards SIP, G.711 (PCMU,
 * PCMA), which every SIP phone speaks (RFC 3551 section 4.5.14). Transcoding happens only if the
 * answerer picks an added codec over the offered ones.
 */
export function transcodeFlags(offered: readonly string[], towards: "sip" | "xmpp"): NgFlags {
  const have = new Set(offered.map((c) => c.toLowerCase()));
  const wanted = towards === "xmpp" ? ["opus"] : ["PCMU", "PCMA"];
  const missing = wanted.filter((c) => !have.has(c.toLowerCase()));
  return missing.length ? { codec: { transcode: missing } } : {};
}
