/**
 * What `parsePidf` reads out of an application/pidf+xml body: the RFC 3863 document (presence, tuples,
 * notes) and the RFC 4479 data-model elements next to it (person, device), with the RFC 4480 activities
 * of each person. Only what the translation uses or a reader would want in a log is kept; extension
 * elements beyond that (capabilities, mood, place, icons...) are skipped, as RFC 3863 lets a receiver
 * do with extensions it does not understand.
 *
 * Strings are as in the document after XML decoding, with surrounding white space trimmed.
 */

export type PidfBasic = "open" | "closed";

export interface PidfNote {
  readonly text: string;
  /** The note's xml:lang, when it has one. */
  readonly lang?: string | undefined;
}

/** RFC 3863 section 4.1.2: one <tuple/>, a "service" in RFC 4479's terms. */
export interface PidfTuple {
  readonly id: string;
  /**
   * The <basic/> status. `undefined` when the status has no <basic/> (RFC 3863 makes it optional) or
   * a value other than open/closed (baresip writes `unknown`): such a tuple says nothing about
   * availability.
   */
  readonly basic?: PidfBasic | undefined;
  readonly contact?: string | undefined;
  /** The contact's 'priority' qvalue, 0 to 1; absent or unreadable values are left out. */
  readonly contactPriority?: number | undefined;
  readonly notes: readonly PidfNote[];
  readonly timestamp?: string | undefined;
  /** RFC 4479 <dm:deviceID/> of the device this service runs on. */
  readonly deviceId?: string | undefined;
  /** Activities written inside the tuple (linphone 3.x put RPID draft activities in the status). */
  readonly activities: readonly string[];
}

/** RFC 4479 section 3.1 / RFC 4480: a <dm:person/> (or Asterisk chan_sip's draft <pp:person/>). */
export interface PidfPerson {
  /** The 'id' attribute; "" when the person has none (drafts did not require it). */
  readonly id: string;
  /** RFC 4480 activity names in document order (lower case): "away", "on-the-phone", ... */
  readonly activities: readonly string[];
  /** <rpid:note/> elements inside <rpid:activities/>. */
  readonly activityNotes: readonly PidfNote[];
  /** <dm:note/> elements of the person. */
  readonly notes: readonly PidfNote[];
  readonly timestamp?: string | undefined;
}

/** RFC 4479 section 3.3: a <dm:device/>. */
export interface PidfDevice {
  readonly id: string;
  readonly deviceId?: string | undefined;
  readonly notes: readonly PidfNote[];
  readonly timestamp?: string | undefined;
}

export interface PidfDocument {
  /** The presentity: the <presence/> 'entity' attribute (a pres: or sip: URI in practice). */
  readonly entity: string;
  readonly tuples: readonly PidfTuple[];
  /** <note/> elements directly under <presence/>. */
  readonly notes: readonly PidfNote[];
  readonly persons: readonly PidfPerson[];
  readonly devices: readonly PidfDevice[];
}
