/**
 * The MIME layer of email.ts: a raw message (or part) as a *byte string* (one char per byte) split into
 * unfolded headers and body, Content-Type parsing, multipart splitting, the transfer encodings
 * (quoted-printable, base64), charsets (see decodeBytes) and RFC 2047 encoded words in headers.
 * Every function is a pure string function; email.ts has the rules these serve.
 */

export interface Header {
  /** lower-cased header name */
  name: string;
  /** unfolded value (byte string), leading/trailing whitespace trimmed */
  value: string;
}

export interface MimeEntity {
  headers: Header[];
  /** byte string of the body, line breaks normalised to "\n" */
  body: string;
}

export interface ContentType {
  /** lower-cased `type/subtype`; `text/plain` when absent */
  mime: string;
  /** lower-cased parameter names; values unquoted */
  params: Record<string, string>;
}

/** Byte string (one char per byte) of a byte array. */
export function bytesToBinaryString(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  }
  return out;
}

/** Bytes of a byte string (chars above 0xff keep their low byte; byte strings have none). */
export function binaryStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Splits a message (or MIME part) into its unfolded headers and its body. */
export function splitEntity(raw: string): MimeEntity {
  const text = raw.replace(/\r\n?/g, '\n');
  const headerEnd = text.indexOf('\n\n');
  let headerText: string;
  let body: string;
  if (text.startsWith('\n')) {
    headerText = '';
    body = text.slice(1);
  } else if (headerEnd < 0) {
    // no blank line: all headers (if the first line looks like one), else all body
    if (/^(From |[!-9;-~]+:)/.test(text)) {
      headerText = text;
      body = '';
    } else {
      headerText = '';
      body = text;
    }
  } else {
    headerText = text.slice(0, headerEnd);
    body = text.slice(headerEnd + 2);
  }
  const headers: Header[] = [];
  let current: Header | null = null;
  const lines = headerText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i === 0 && line.startsWith('From ')) continue; // mbox separator
    if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
      current.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      current = null;
      continue;
    }
    current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
    headers.push(current);
  }
  return { headers, body };
}

/** The first header of this name (case-insensitive), or undefined. */
export function getHeader(headers: readonly Header[], name: string): string | undefined {
  const n = name.toLowerCase();
  for (const h of headers) if (h.name === n) return h.value;
  return undefined;
}

/** Parses `type/subtype; a=b; c="d"`. Missing or malformed types default to text/plain. */
export function parseContentType(value: string | undefined): ContentType {
  const params: Record<string, string> = {};
  if (!value) return { mime: 'text/plain', params };
  const semi = value.indexOf(';');
  let mime = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mime)) mime = 'text/plain';
  if (semi >= 0) {
    const re = /;\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;\s]*)/g;
    const rest = value.slice(semi);
    for (const m of rest.matchAll(re)) {
      const name = m[1]!.toLowerCase();
      const v = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!;
      if (!(name in params)) params[name] = v;
    }
  }
  return { mime, params };
}

/** Quoted-printable (RFC 2045) -> bytes. Soft line breaks are removed; malformed escapes are kept as is. */
export function decodeQuotedPrintable(s: string): Uint8Array {
  const text = s.replace(/\r\n?/g, '\n');
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d /* = */) {
      // soft line break: "=" followed by optional whitespace then "\n"
      let j = i + 1;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j < text.length && text[j] === '\n') {
        i = j;
        continue;
      }
      if (j === text.length) {
        i = j;
        continue;
      }
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 2;
        continue;
      }
      out[n++] = c;
      continue;
    }
    out[n++] = c & 0xff;
  }
  return out.slice(0, n);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  t['-'.charCodeAt(0)] = 62; // base64url, seen in the wild
  t['_'.charCodeAt(0)] = 63;
  return t;
})();

/** Base64 -> bytes. Characters outside the alphabet are skipped; decoding stops at the first "=". */
export function decodeBase64(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x3d) break;
    const v = code < 256 ? B64_INDEX[code]! : -1;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.slice(0, n);
}

const CHARSET_ALIASES: Record<string, string> = {
  default: 'utf-8',
  default_charset: 'utf-8',
  'unknown-8bit': 'windows-1252',
  chinesebig5: 'big5',
  'x-unknown': 'windows-1252',
  'ks_c_5601-1987': 'euc-kr',
};

// windows-1252 bytes 0x80..0x9f (0 = undefined, kept as the C1 control, as WHATWG does)
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];
// WHATWG labels of windows-1252 (latin1 and ascii labels included)
const CP1252_LABELS = new Set([
  'windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'iso88591', 'latin1', 'l1',
  'ascii', 'us-ascii', 'iso-ir-100', 'csisolatin1', 'ibm819', 'cp819', 'iso_8859-1:1987', 'ansi_x3.4-1968',
]);

/**
 * windows-1252 written out here: Node 20's TextDecoder('windows-1252') decodes 0x80..0x9f as latin1 (C1
 * controls), which a later Node may fix; the text must not depend on the Node version.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] || b : b);
  }
  return out;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes bytes in a declared charset. Undeclared, us-ascii and unknown charsets: UTF-8 if the bytes are
 * valid UTF-8, else windows-1252 (a superset of latin1 for printable text). Never throws.
 */
export function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  let label = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  label = CHARSET_ALIASES[label] ?? label;
  let pureAscii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      pureAscii = false;
      break;
    }
  }
  if (pureAscii) return bytesToBinaryString(bytes);
  if (label && CP1252_LABELS.has(label) && label !== 'us-ascii' && label !== 'ascii') return decodeWindows1252(bytes);
  if (label && label !== 'us-ascii' && label !== 'ascii' && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // unknown label: fall through to the guess
    }
  }
  if (isValidUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes);
  if (label === 'utf-8' || label === 'utf8') return new TextDecoder('utf-8').decode(bytes); // with U+FFFD
  return decodeWindows1252(bytes);
}

/** Decodes RFC 2047 encoded words in a header value (a byte string); raw 8-bit bytes are guessed. */
export function decodeHeaderValue(value: string): string {
  const re = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  let out = '';
  let last = 0;
  let lastWasWord = false;
  for (const m of value.matchAll(re)) {
    const between = value.slice(last, m.index);
    if (!(lastWasWord && /^\s*$/.test(between))) out += decodeBytes(binaryStringToBytes(between), undefined);
    const charset = m[1]!.split('*')[0]!; // RFC 2231 language suffix
    const data = m[3]!;
    const bytes = m[2]!.toUpperCase() === 'B' ? decodeBase64(data) : decodeQuotedPrintable(data.replace(/_/g, ' '));
    out += decodeBytes(bytes, charset);
    last = m.index! + m[0].length;
    lastWasWord = true;
  }
  out += decodeBytes(binaryStringToBytes(value.slice(last)), undefined);
  return out;
}

/** Decodes the body of a leaf part (transfer encoding + charset) into a JS string. */
export function decodeEntityBody(entity: MimeEntity, ct: ContentType): string {
  const cte = (getHeader(entity.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  let bytes: Uint8Array;
  if (cte === 'base64') bytes = decodeBase64(entity.body);
  else if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(entity.body);
  else bytes = binaryStringToBytes(entity.body);
  return decodeBytes(bytes, ct.params['charset']);
}

/** Splits a multipart body at its boundary; the preamble and epilogue are dropped. */
export function splitMultipart(body: string, boundary: string): string[] {
  const delim = '--' + boundary;
  const lines = body.split('\n');
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delim || trimmed === delim + '--') {
      if (current) parts.push(current.join('\n'));
      current = trimmed === delim ? [] : null;
      if (trimmed !== delim) break;
      continue;
    }
    if (current) current.push(line);
  }
  if (current && current.length > 0) parts.push(current.join('\n')); // unterminated last part
  return parts;
}
