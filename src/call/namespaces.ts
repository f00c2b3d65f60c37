/**
 * The XML namespaces of Jingle RTP calls, in one place: XEP-0166 (Jingle), XEP-0167 (RTP sessions, their
 * informational messages and audio feature), XEP-0176 (ICE-UDP), XEP-0177 (RAW-UDP), XEP-0320 (DTLS
 * fingerprints), XEP-0353 (Jingle Message Initiation), XEP-0181 (DTMF), XEP-0293 (RTCP feedback),
 * XEP-0294 (RTP header extensions), XEP-0339 (sources), XEP-0338 (grouping) and the Jingle error
 * conditions of XEP-0166.
 */
export const NS_JINGLE = "urn:xmpp:jingle:1";
export const NS_JINGLE_RTP = "urn:xmpp:jingle:apps:rtp:1";
export const NS_JINGLE_RTP_AUDIO = "urn:xmpp:jingle:apps:rtp:audio";
export const NS_JINGLE_RTP_INFO = "urn:xmpp:jingle:apps:rtp:info:1";
export const NS_JINGLE_ICE_UDP = "urn:xmpp:jingle:transports:ice-udp:1";
export const NS_JINGLE_RAW_UDP = "urn:xmpp:jingle:transports:raw-udp:1";
export const NS_JINGLE_DTLS = "urn:xmpp:jingle:apps:dtls:0";
export const NS_JINGLE_MESSAGE = "urn:xmpp:jingle-message:0";
export const NS_JINGLE_DTMF = "urn:xmpp:jingle:dtmf:0";
export const NS_RTCP_FB = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0";
export const NS_HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0";
export const NS_SSMA = "urn:xmpp:jingle:apps:rtp:ssma:0";
export const NS_GROUPING = "urn:xmpp:jingle:apps:grouping:0";
export const NS_JINGLE_ERRORS = "urn:xmpp:jingle:errors:1";
