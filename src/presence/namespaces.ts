/**
 * The XML namespaces the presence translators read and write, in one place so that the parser and the
 * writer cannot drift apart. Namespaces are compared as URIs after prefix resolution (`xml-reader.ts`):
 * a document may bind any prefix, or none, to any of these.
 */

/** RFC 3863 (PIDF), section 4: the namespace of <presence/>, <tuple/>, <status/>, <basic/>, <note/>. */
export const NS_PIDF = "urn:ietf:params:xml:ns:pidf";
/** RFC 4479 (data model): <dm:person/>, <dm:device/>, <dm:note/>, <dm:deviceID/>, <dm:timestamp/>. */
export const NS_PIDF_DATA_MODEL = "urn:ietf:params:xml:ns:pidf:data-model";
/** RFC 4480 (RPID): <rpid:activities/> and the activity elements. */
export const NS_RPID = "urn:ietf:params:xml:ns:pidf:rpid";
/** XML 1.0: the namespace of `xml:lang`; `xml-reader.ts` keys the attribute as `{NS_XML}lang`. */
export const NS_XML = "http://www.w3.org/XML/1998/namespace";
export const XML_LANG_KEY = `{${NS_XML}}lang`;

/**
 * Namespaces of RPID drafts that real generators still write (see docs/presence.md, "Lenient input").
 * Activities found under an `activities` element in one of these are read like RFC 4480 ones:
 * - `rpid-person`: Asterisk chan_sip's PIDF (the "Eyebeam" format) writes `<ep:activities><ep:busy/>`;
 * - `rpid-status`: linphone 3.x wrote `<es:activities><es:activity>away</es:activity>` in the status;
 * - `status:rpid`: Cisco phones (sipcc) and Cisco BLF bodies write `<e:activities><e:on-the-phone/>`.
 */
export const LEGACY_RPID_NAMESPACES: ReadonlySet<string> = new Set([
  "urn:ietf:params:xml:ns:pidf:rpid:rpid-person",
  "urn:ietf:params:xml:ns:pidf:status:rpid-status",
  "urn:ietf:params:xml:ns:pidf:status:rpid",
]);

/** The pre-RFC 4479 person namespace Asterisk chan_sip writes (`<pp:person><status>...`). */
export const NS_LEGACY_PERSON = "urn:ietf:params:xml:ns:pidf:person";
