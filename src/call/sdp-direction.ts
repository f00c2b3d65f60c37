/**
 * Jingle `senders` <-> the SDP direction attributes. XEP-0166 on the <content/>
 * 'senders' attribute: "Note that the
 * defined values of the 'senders' attribute in Jingle correspond to the SDP attributes of "sendrecv",
 * "sendonly", "inactive", and "recvonly" defined in RFC 4566 and used in the offer-answer model
 * RFC 3264."
 *
 * The catch is that Jingle names parties (initiator, responder) while SDP speaks for its author
 * ("sendonly": I send). So the mapping needs to know whether the SDP's author is the Jingle initiator
 * or the responder. The same holds for XEP-0294 <rtp-hdrext senders/> and the RFC 8285 extmap direction.
 */
import type { Creator, Senders } from "./jingle-model.js";

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export function isDirection(s: string): s is Direction {
  return s === "sendrecv" || s === "sendonly" || s === "recvonly" || s === "inactive";
}

function other(role: Creator): Creator {
  return role === "initiator" ? "responder" : "initiator";
}

/** RFC 8866 section 6.7: the direction `author` declares, as Jingle senders. */
export function sendersFromDirection(direction: Direction, author: Creator): Senders {
  switch (direction) {
    case "sendrecv":
      return "both";
    case "inactive":
      return "none";
    case "sendonly":
      return author;
    case "recvonly":
      return other(author);
  }
}

/** The direction attribute `author` writes for Jingle `senders`. */
export function directionFromSenders(senders: Senders, author: Creator): Direction {
  if (senders === "both") return "sendrecv";
  if (senders === "none") return "inactive";
  return senders === author ? "sendonly" : "recvonly";
}
