/**
 * A small, strict, namespace-aware XML 1.0 reader for the little documents SIP bodies carry
 * (application/im-iscomposing+xml, message/imdn+xml). Written here rather than taken from `ltx`
 * (under `@xmpp/xml`) because that parser is a lenient stream tokenizer: it does not resolve
 * namespaces, does not notice a missing end tag, and would expand nothing but also reject nothing.
 *
 * What it does (XML 1.0 Fifth Edition, Namespaces in XML 1.0 Third Edition):
 * - one root element, optional XML declaration, comments, processing instructions (skipped), CDATA
 *   sections (as text), the five predefined entities and character references (section 4.6, 4.1);
 * - end tags must match (section 3, "Well-formedness constraint: Element Type Match"); attribute names
 *   must be unique (3.1, "Unique Att Spec"); no "<" in attribute values (3.1, "No < in Attribute
 *   Values"); attribute values are normalised (3.3.3: each white space character becomes a space);
 * - prefixes resolve through xmlns declarations, `xml` is predeclared; an unbound prefix is an error
 *   (Namespaces 5, "Namespace constraint: Prefix Declared").
 *
 * What it refuses, as `SipBodyError` 400 `malformed-xml`: anything not well-formed, any character
 * outside the XML 1.0 `Char` production, any document type declaration (`<!DOCTYPE`: no internal
 * subset means no entity expansion attacks; RFC 6120 section 11.1 forbids DTDs in XMPP for the same
 * reason), documents over `MAX_XML_CHARS` characters or `MAX_DEPTH` levels.
 */
import { SipBodyError } from "./sip-body-error.js";
import { isXmlSafeText } from "./xml-safe-text.js";

export interface XmlElement {
  /** Namespace URI, or `null` when the element is in no namespace. */
  readonly ns: string | null;
  readonly local: string;
  /** Unprefixed attributes by local name; prefixed ones as `{namespace}local`. No xmlns declarations. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: ReadonlyArray<XmlElement | string>;
}

export const MAX_XML_CHARS = 64 * 1024;
export const MAX_DEPTH = 32;

const XML_NS = "http://www.w3.org/XML/1998/namespace";
// Name ::= NameStartChar (NameChar)* (section 2.3), with the non-ASCII ranges folded together.
const NAME =
  /[A-Za-z_:\u00C0-\u1FFF\u200C-\uD7FF\uF900-\uFFFD\u{10000}-\u{EFFFF}][-.0-9A-Za-z_:\u00B7\u00C0-\uD7FF\uF900-\uFFFD\u{10000}-\u{EFFFF}]*/uy;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

interface Open {
  qname: string;
  element: {
    ns: string | null;
    local: string;
    attrs: Map<string, string>;
    children: Array<XmlElement | string>;
  };
  scope: ReadonlyMap<string, string>;
}

/** Parses `text` into its root element, or throws `SipBodyError` 400 `malformed-xml`. */
export function readXml(text: string): XmlElement {
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let i = 0;
  const fail = (why: string): never => {
    throw SipBodyError.malformed("malformed-xml", `XML body is not well-formed: ${why} (offset ${i})`);
  };
  if (s.length > MAX_XML_CHARS) fail(`longer than ${MAX_XML_CHARS} characters`);
  if (!isXmlSafeText(s)) fail("a character XML 1.0 does not allow");

  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const rootScope: ReadonlyMap<string, string> = new Map([["xml", XML_NS]]);

  while (i < s.length) {
    const lt = s.indexOf("<", i);
    const textEnd = lt === -1 ? s.length : lt;
    if (textEnd > i) {
      const raw = s.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) addText(top, decode(raw));
      else if (raw.trim() !== "") fail("text outside the root element");
      i = textEnd;
      continue;
    }
    if (s.startsWith("<?", i)) {
      const end = s.indexOf("?>", i + 2);
      if (end === -1) fail("unterminated processing instruction");
      i = end + 2;
    } else if (s.startsWith("<!--", i)) {
      const end = s.indexOf("-->", i + 4);
      if (end === -1) fail("unterminated comment");
      i = end + 3;
    } else if (s.startsWith("<![CDATA[", i)) {
      const top = stack[stack.length - 1];
      if (!top) fail("CDATA outside the root element");
      const end = s.indexOf("]]>", i + 9);
      if (end === -1) fail("unterminated CDATA section");
      addText(top as Open, s.slice(i + 9, end));
      i = end + 3;
    } else if (s.startsWith("<!", i)) {
      fail("document type declarations are not accepted");
    } else if (s.startsWith("</", i)) {
      i += 2;
      const qname = name();
      skipSpace();
      if (s[i] !== ">") fail("expected > in end tag");
      i++;
      const open = stack.pop();
      if (!open || open.qname !== qname) fail(`end tag </${qname}> does not match`);
      if (stack.length === 0) root = (open as Open).element;
    } else {
      startTag();
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]?.qname}> is not closed`);
  if (!root) fail("no root element");
  return root as XmlElement;

  function startTag(): void {
    if (stack.length === 0 && root !== undefined) fail("more than one root element");
    if (stack.length >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH}`);
    i++;
    const qname = name();
    const raw = new Map<string, string>();
    let selfClosing = false;
    for (;;) {
      const hadSpace = skipSpace();
      if (s.startsWith("/>", i)) {
        selfClosing = true;
        i += 2;
        break;
      }
      if (s[i] === ">") {
        i++;
        break;
      }
      if (!hadSpace) fail("expected white space between attributes");
      const attr = name();
      skipSpace();
      if (s[i] !== "=") fail(`expected = after ${attr}`);
      i++;
      skipSpace();
      const quote = s[i];
      if (quote !== '"' && quote !== "'") fail("attribute value is not quoted");
      const end = s.indexOf(quote as string, i + 1);
      if (end === -1) fail("unterminated attribute value");
      const value = s.slice(i + 1, end);
      if (value.includes("<")) fail('"<" in an attribute value');
      if (raw.has(attr)) fail(`attribute ${attr} given twice`);
      // Section 3.3.3: each literal white space character becomes a space, referenced ones stay.
      raw.set(attr, decode(value.replace(/[\t\n\r]/g, " ")));
      i = end + 1;
    }

    const parent = stack[stack.length - 1];
    const scope = new Map(parent ? parent.scope : rootScope);
    for (const [attr, value] of raw) {
      if (attr === "xmlns") scope.set("", value);
      else if (attr.startsWith("xmlns:")) {
        if (value === "") fail(`${attr} undeclares a prefix`);
        scope.set(attr.slice(6), value);
      }
    }
    const [prefix, local] = split(qname);
    const ns = scope.get(prefix) ?? (prefix === "" ? "" : fail(`prefix ${prefix} is not declared`));
    const attrs = new Map<string, string>();
    for (const [attr, value] of raw) {
      if (attr === "xmlns" || attr.startsWith("xmlns:")) continue;
      const [p, l] = split(attr);
      if (p === "") attrs.set(l, value);
      else attrs.set(`{${scope.get(p) ?? fail(`prefix ${p} is not declared`)}}${l}`, value);
    }
    const element = { ns: ns === "" ? null : ns, local, attrs, children: [] };
    if (parent) parent.element.children.push(element);
    if (selfClosing) {
      if (!parent) root = element;
    } else {
      stack.push({ qname, element, scope });
    }
  }

  function name(): string {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) return fail("expected a name");
    i += m[0].length;
    return m[0];
  }

  function skipSpace(): boolean {
    const start = i;
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
    return i > start;
  }

  function split(qname: string): [string, string] {
    const colon = qname.indexOf(":");
    if (colon === -1) return ["", qname];
    const prefix = qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    if (prefix === "" || local === "" || local.includes(":")) fail(`${qname} is not a qualified name`);
    return [prefix, local];
  }

  function decode(raw: string): string {
    if (raw.includes("]]>")) fail('"]]>" in character data');
    let out = "";
    let from = 0;
    for (let amp = raw.indexOf("&"); amp !== -1; amp = raw.indexOf("&", from)) {
      out += raw.slice(from, amp);
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(raw);
      if (!m) return fail("an entity reference other than the five predefined ones or a character reference");
      let ch: string;
      if (m[1] !== undefined) ch = PREDEFINED[m[1]] as string;
      else {
        const code = m[2] !== undefined ? Number.parseInt(m[2], 10) : Number.parseInt(m[3] as string, 16);
        if (code > 0x10ffff) return fail("character reference out of range");
        ch = String.fromCodePoint(code);
        if (!isXmlSafeText(ch)) return fail("character reference to a character XML 1.0 does not allow");
      }
      out += ch;
      from = amp + m[0].length;
    }
    return out + raw.slice(from);
  }

  function addText(open: Open, t: string): void {
    const children = open.element.children;
    const last = children[children.length - 1];
    if (typeof last === "string") children[children.length - 1] = last + t;
    else if (t !== "") children.push(t);
  }
}

/** The element children of `el`, optionally only those in namespace `ns` (`null`: no namespace). */
export function childElements(el: XmlElement, ns?: string | null): XmlElement[] {
  return el.children.filter(
    (c): c is XmlElement => typeof c !== "string" && (ns === undefined || c.ns === ns),
  );
}

/** The first child element named `local` in namespace `ns`. */
export function childElement(el: XmlElement, ns: string | null, local: string): XmlElement | undefined {
  return childElements(el, ns).find((c) => c.local === local);
}

/** All character data inside `el` (its text and its descendants'), in document order. */
export function textContent(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? c : textContent(c))).join("");
}
