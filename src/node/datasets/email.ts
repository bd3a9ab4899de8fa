/**
 * Raw RFC 822 / MIME email -> the plain text a text model sees: `subject + "\n" + body`.
 *
 * The TypeScript runtime and the Python training script must see exactly the same text, so this module is
 * the one place where emails become text (tools/spam/extract.ts writes its output for Python).
 *
 * Every function here is a pure string function. A raw message is handled as a *byte string*: one char per
 * byte (code units 0..255, what `Buffer.toString('latin1')` gives), because the bytes of a part can only be
 * decoded once its charset and transfer encoding are known.
 *
 * What is done:
 * - headers: the mbox `From ` line is skipped, folded lines are unfolded, names are case-insensitive;
 *   RFC 2047 encoded words (`=?charset?B|Q?...?=`) in the subject are decoded;
 * - MIME: multipart bodies are walked recursively; in multipart/alternative text/plain is preferred over
 *   text/html; other multiparts join their text parts; message/rfc822 parts are parsed as messages;
 *   non-text parts (images, applications, attachments) are dropped;
 * - transfer encodings: quoted-printable and base64 are decoded, everything else is taken as is;
 * - charsets: any label TextDecoder knows (utf-8, us-ascii, iso-8859-*, windows-125x, big5, gb2312, ...);
 *   undeclared / us-ascii / unknown: UTF-8 when the bytes are valid UTF-8, else windows-1252; windows-1252 and
 *   its WHATWG aliases (iso-8859-1, latin1) are decoded here, not by TextDecoder (see decodeWindows1252);
 * - HTML (text/html parts, and text/plain parts that are obviously HTML): script/style/comments dropped,
 *   block tags become line breaks, other tags are removed, entities decoded;
 * - whitespace: runs containing a line break become one "\n", other runs one " ", lines trimmed.
 */
import {
  bytesToBinaryString,
  decodeEntityBody,
  decodeHeaderValue,
  getHeader,
  parseContentType,
  splitEntity,
  splitMultipart,
  type ContentType,
  type MimeEntity,
} from './email-mime.js';
import { collapseWhitespace, htmlToText, looksLikeHtml } from './html-text.js';

export * from './email-mime.js';
export { collapseWhitespace, decodeHtmlEntities, htmlToText } from './html-text.js';

export interface ParsedEmail {
  subject: string;
  body: string;
  /** `subject + "\n" + body`, whitespace collapsed: what the model is trained on */
  text: string;
}

const MAX_DEPTH = 8;

/** The text of a MIME entity (see the module comment for the rules). */
export function entityText(entity: MimeEntity, depth = 0): string {
  const ct = parseContentType(getHeader(entity.headers, 'content-type'));
  const [type, subtype] = ct.mime.split('/') as [string, string];
  if (type === 'multipart') {
    const boundary = ct.params['boundary'];
    if (!boundary || depth >= MAX_DEPTH) return '';
    const parts = splitMultipart(entity.body, boundary).map((p) => splitEntity(p));
    if (parts.length === 0) {
      // boundary never found: treat the body as plain text
      return leafText({ headers: [], body: entity.body }, parseContentType(undefined));
    }
    if (subtype === 'alternative') {
      const kinds = parts.map((p) => parseContentType(getHeader(p.headers, 'content-type')).mime);
      const order = [
        ...parts.filter((_p, i) => kinds[i] === 'text/plain'),
        ...parts.filter((_p, i) => kinds[i]!.startsWith('multipart/')),
        ...parts.filter((_p, i) => kinds[i] === 'text/html'),
        ...parts.filter((_p, i) => kinds[i] !== 'text/plain' && kinds[i] !== 'text/html' && !kinds[i]!.startsWith('multipart/')),
      ];
      for (const p of order) {
        const t = entityText(p, depth + 1);
        if (t.trim() !== '') return t;
      }
      return '';
    }
    return parts
      .map((p) => entityText(p, depth + 1))
      .filter((t) => t.trim() !== '')
      .join('\n');
  }
  if (ct.mime === 'message/rfc822') {
    if (depth >= MAX_DEPTH) return '';
    const inner = splitEntity(entity.body);
    const subject = decodeHeaderValue(getHeader(inner.headers, 'subject') ?? '');
    const text = entityText(inner, depth + 1);
    return subject ? subject + '\n' + text : text;
  }
  if (type !== 'text') return '';
  const disposition = (getHeader(entity.headers, 'content-disposition') ?? '').toLowerCase();
  if (disposition.startsWith('attachment') && subtype !== 'plain' && subtype !== 'html') return '';
  return leafText(entity, ct);
}

function leafText(entity: MimeEntity, ct: ContentType): string {
  const text = decodeEntityBody(entity, ct);
  if (ct.mime === 'text/html' || (ct.mime === 'text/plain' && looksLikeHtml(text))) return htmlToText(text);
  return text;
}

/** Parses a raw email given as a byte string (see `bytesToBinaryString`). */
export function parseEmail(raw: string): ParsedEmail {
  const entity = splitEntity(raw);
  const subject = collapseWhitespace(decodeHeaderValue(getHeader(entity.headers, 'subject') ?? ''));
  const body = collapseWhitespace(entityText(entity));
  return { subject, body, text: collapseWhitespace(subject + '\n' + body) };
}

/** `subject + "\n" + body` of a raw email given as bytes. */
export function emailToText(bytes: Uint8Array): string {
  return parseEmail(bytesToBinaryString(bytes)).text;
}
