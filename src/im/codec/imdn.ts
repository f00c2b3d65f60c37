/**
 * RFC 5438 (Instant Message Disposition Notification): the `message/imdn+xml` document and the CPIM
 * header values that request it.
 *
 *     <?xml version="1.0" encoding="UTF-8"?>
 *     <imdn xmlns="urn:ietf:params:xml:ns:imdn">
 *       <message-id>34jk324j</message-id>               the imdn.Message-ID of the IM it is about
 *       <datetime>2008-04-04T12:16:49-05:00</datetime>  the DateTime of that IM
 *       <recipient-uri>..</recipient-uri>               optional
 *       <original-recipient-uri>..</original-recipient-uri>  optional
 *       <delivery-notification><status><delivered/></status></delivery-notification>
 *     </imdn>
 *
 * One of three notifications, each with one status (RFC 5438 schema): delivery (delivered, failed,
 * forbidden, error), display (displayed, forbidden, error), processing (processed, stored, forbidden,
 * error). Elements of other namespaces are ignored wherever they appear: liblinphone puts its own
 * `<imdn:reason xmlns:imdn="http://www.linphone.org/xsds/imdn.xsd">` next to the status (and binds the
 * prefix `imdn` to that namespace, which is why names are compared by namespace, never by prefix).
 *
 * `message-id` is an `xs:token`, so surrounding white space is not part of it. A document without one,
 * or without any notification, is a `SipBodyError` 400: there is nothing it could be about.
 */
import xml from "@xmpp/xml";
import { NS_IMDN_XML } from "./namespaces.js";
import { SipBodyError } from "./sip-body-error.js";
import { xmlSafeText } from "./xml-safe-text.js";
import { childElement, childElements, readXml, textContent } from "./xml-reader.js";

export const IMDN_CONTENT_TYPE = "message/imdn+xml";

export type ImdnKind = "delivery" | "display" | "processing";

export interface Imdn {
  messageId: string;
  /** As written; the DateTime of the IM being reported on. */
  dateTime?: string | undefined;
  recipientUri?: string | undefined;
  originalRecipientUri?: string | undefined;
  kind: ImdnKind;
  /** delivered, failed, forbidden, error, displayed, processed, stored; an unknown status as written. */
  status: string;
}

const KINDS: ReadonlyArray<[ImdnKind, string]> = [
  ["delivery", "delivery-notification"],
  ["display", "display-notification"],
  ["processing", "processing-notification"],
];

export function parseImdn(text: string): Imdn {
  const root = readXml(text);
  if (root.local !== "imdn" || root.ns !== NS_IMDN_XML) {
    throw SipBodyError.malformed(
      "not-imdn",
      `expected <imdn xmlns="${NS_IMDN_XML}">, got <${root.local}> in ${root.ns ?? "no namespace"}`,
    );
  }
  const field = (name: string): string | undefined => {
    const el = childElement(root, NS_IMDN_XML, name);
    return el === undefined ? undefined : textContent(el).trim();
  };
  const messageId = field("message-id");
  if (!messageId) throw SipBodyError.malformed("imdn-without-message-id", "IMDN without a <message-id>");

  for (const [kind, elementName] of KINDS) {
    const notification = childElement(root, NS_IMDN_XML, elementName);
    if (notification === undefined) continue;
    const status = childElement(notification, NS_IMDN_XML, "status");
    const value = status === undefined ? undefined : childElements(status, NS_IMDN_XML)[0]?.local;
    if (value === undefined) {
      throw SipBodyError.malformed("imdn-without-status", `IMDN <${elementName}> without a <status>`);
    }
    return {
      messageId,
      dateTime: field("datetime") || undefined,
      recipientUri: field("recipient-uri") || undefined,
      originalRecipientUri: field("original-recipient-uri") || undefined,
      kind,
      status: value,
    };
  }
  throw SipBodyError.malformed(
    "imdn-without-notification",
    "IMDN without a delivery, display or processing notification",
  );
}

export function formatImdn(imdn: Imdn): string {
  const elementName = KINDS.find(([k]) => k === imdn.kind)?.[1] ?? "delivery-notification";
  const text = (name: string, value: string | undefined) =>
    value === undefined ? null : xml(name, {}, xmlSafeText(value));
  const doc = xml(
    "imdn",
    { xmlns: NS_IMDN_XML },
    text("message-id", imdn.messageId),
    text("datetime", imdn.dateTime),
    text("recipient-uri", imdn.recipientUri),
    text("original-recipient-uri", imdn.originalRecipientUri),
    xml(elementName, {}, xml("status", {}, xml(imdn.status))),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${doc.toString()}`;
}

/** What an `imdn.Disposition-Notification` header value asks for (RFC 5438, "Disposition-Notification"). */
export interface DispositionRequest {
  positiveDelivery: boolean;
  negativeDelivery: boolean;
  display: boolean;
  processing: boolean;
}

/** Parses `positive-delivery, display` (comma-separated, any case, unknown values ignored). */
export function parseDispositionNotification(value: string | undefined): DispositionRequest {
  const tokens = new Set(
    (value ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ""),
  );
  return {
    positiveDelivery: tokens.has("positive-delivery"),
    negativeDelivery: tokens.has("negative-delivery"),
    display: tokens.has("display"),
    processing: tokens.has("processing"),
  };
}

/** Formats a request, in the order RFC 5438's examples use; `undefined` when nothing is asked. */
export function formatDispositionNotification(req: Partial<DispositionRequest>): string | undefined {
  const tokens: string[] = [];
  if (req.positiveDelivery) tokens.push("positive-delivery");
  if (req.negativeDelivery) tokens.push("negative-delivery");
  if (req.processing) tokens.push("processing");
  if (req.display) tokens.push("display");
  return tokens.length > 0 ? tokens.join(", ") : undefined;
}
