import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bytesToBinaryString,
  collapseWhitespace,
  decodeBase64,
  decodeBytes,
  decodeHeaderValue,
  decodeHtmlEntities,
  decodeQuotedPrintable,
  emailToText,
  htmlToText,
  parseContentType,
  parseEmail,
  splitEntity,
  splitMultipart,
} from '../../../src/node/datasets/email.js';

const enc = new TextEncoder();
const bin = (s: string): string => bytesToBinaryString(enc.encode(s)); // UTF-8 bytes as a byte string
const latin1 = (s: string): string => s; // chars < 256 are their own bytes

test('headers: mbox From line skipped, folded lines unfolded, names case-insensitive', () => {
  const e = splitEntity('From a@b  Thu Aug 22 2002\r\nSubject: Hello\r\n  world\r\nX-Thing:\tv\r\n\r\nbody\r\nline 2\r\n');
  assert.equal(e.headers.map((h) => h.name), ['subject', 'x-thing']);
  assert.is(e.headers[0]!.value, 'Hello world');
  assert.is(e.body, 'body\nline 2\n');
  assert.is(parseEmail('Subject: Hi\n\nBody text').text, 'Hi\nBody text');
});

test('content type: parameters quoted or not, defaults to text/plain', () => {
  assert.equal(parseContentType('Multipart/Alternative; boundary="=_abc d"; charset=ISO-8859-1'), {
    mime: 'multipart/alternative',
    params: { boundary: '=_abc d', charset: 'ISO-8859-1' },
  });
  assert.is(parseContentType(undefined).mime, 'text/plain');
  assert.is(parseContentType('garbage').mime, 'text/plain');
});

test('quoted-printable: escapes, soft line breaks, malformed escapes kept', () => {
  const bytes = decodeQuotedPrintable('caf=C3=A9 =3D ok=\njoined =ZZ end=');
  assert.is(new TextDecoder().decode(bytes), 'café = okjoined =ZZ end');
  const msg = 'Subject: QP\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nna=C3=AFve r=C3=A9sum=\n=C3=A9\n';
  assert.is(parseEmail(msg).text, 'QP\nnaïve résumé');
});

test('base64: padding, line breaks and junk ignored', () => {
  assert.is(new TextDecoder().decode(decodeBase64('aGVs\nbG8g\r\nd29y bGQ=')), 'hello world');
  assert.is(decodeBase64('').length, 0);
  const body = Buffer.from('Grüße aus Köln', 'utf8').toString('base64');
  const msg = `Subject: b64\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: base64\n\n${body}\n`;
  assert.is(parseEmail(msg).text, 'b64\nGrüße aus Köln');
});

test('charsets: latin1 and windows-1252 bytes, undeclared 8-bit guessed, utf-8 detected', () => {
  assert.is(decodeBytes(Uint8Array.of(0x63, 0x61, 0x66, 0xe9), 'iso-8859-1'), 'café');
  assert.is(decodeBytes(Uint8Array.of(0x93, 0x68, 0x69, 0x94), 'windows-1252'), '\u201chi\u201d');
  assert.is(decodeBytes(Uint8Array.of(0x63, 0x61, 0x66, 0xe9), undefined), 'café');
  assert.is(decodeBytes(enc.encode('café'), 'us-ascii'), 'café');
  assert.is(decodeBytes(Uint8Array.of(0x61, 0x62), 'no-such-charset'), 'ab');
  assert.is(parseEmail(latin1('Subject: caf\u00e9\nContent-Type: text/plain; charset=iso-8859-1\n\nna\u00efve')).text, 'café\nnaïve');
});

test('encoded-word subjects (RFC 2047), adjacent words joined', () => {
  assert.is(decodeHeaderValue('=?utf-8?B?Q2Fmw6k=?= =?ISO-8859-1?Q?_cr=E8me?= ok'), 'Café crème ok');
  assert.is(decodeHeaderValue('plain subject'), 'plain subject');
  assert.is(parseEmail(bin('Subject: =?utf-8?Q?=E2=82=AC_100?=\n\nx')).subject, '€ 100');
});

test('html: tags removed, block tags break lines, script/style/comments dropped, entities decoded', () => {
  const html = '<html><head><style>p{color:red}</style><script>var x = "<b>";</script></head>' +
    '<body><!-- hidden --><p>Hello&nbsp;<b>W</b>orld &amp; friends</p><div>5 &lt; 6 &gt; 4 &quot;q&quot; &#65;&#x42; &copy;</div>' +
    '<table><tr><td>a</td><td>b</td></tr></table><a href="http://x.com/?a=1&b=2">link</a></body></html>';
  const t = collapseWhitespace(htmlToText(html));
  assert.is(t, 'Hello World & friends\n5 < 6 > 4 "q" AB \u00a9\na b\nlink');
  assert.is(decodeHtmlEntities('&unknown; &#0; &AMP;'), '&unknown; \ufffd &');
});

test('multipart/alternative prefers text/plain; html used when it is the only text', () => {
  const alt = [
    'Subject: alt',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="XYZ"',
    '',
    'This is a MIME preamble.',
    '--XYZ',
    'Content-Type: text/html; charset=us-ascii',
    '',
    '<p>HTML version</p>',
    '--XYZ',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Plain version',
    '--XYZ--',
    'epilogue',
  ].join('\r\n');
  assert.is(emailToText(enc.encode(alt)), 'alt\nPlain version');
  const htmlOnly = 'Subject: h\nContent-Type: text/html\n\n<html><body><h1>Big</h1><p>offer &amp; more</p></body></html>';
  assert.is(parseEmail(htmlOnly).text, 'h\nBig\noffer & more');
  // a text/plain body that is obviously HTML is stripped too
  assert.is(parseEmail('Subject: s\n\n<html><body>x<br>y</body></html>').text, 's\nx\ny');
});

test('multipart/mixed: text parts joined, attachments and images dropped, nested multiparts walked', () => {
  const b64 = Buffer.from('second part', 'utf8').toString('base64');
  const msg = [
    'Subject: mixed',
    'Content-Type: multipart/mixed; boundary=outer',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'first =',
    'part',
    '--inner',
    'Content-Type: text/html',
    '',
    '<b>first part</b>',
    '--inner--',
    '--outer',
    'Content-Type: image/gif; name="x.gif"',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=',
    '--outer',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--outer',
    'Content-Type: application/octet-stream',
    'Content-Disposition: attachment; filename="a.bin"',
    '',
    'binary stuff',
    '--outer--',
  ].join('\n');
  assert.is(parseEmail(msg).text, 'mixed\nfirst part\nsecond part');
  assert.equal(splitMultipart('pre\n--b\nx\n--b\ny\n--b--\npost', 'b'), ['x', 'y']);
  // unterminated last part is kept
  assert.equal(splitMultipart('--b\nx\n--b\ny', 'b'), ['x', 'y']);
});

test('message/rfc822 parts contribute their subject and text; missing boundary falls back to the body', () => {
  const msg = 'Subject: fwd\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee below\n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--b--\n';
  assert.is(parseEmail(msg).text, 'fwd\nsee below\ninner\ninner body');
  assert.is(parseEmail('Subject: nb\nContent-Type: multipart/mixed; boundary=zzz\n\njust text').text, 'nb\njust text');
});

test('whitespace collapse and empty inputs', () => {
  assert.is(collapseWhitespace('  a \t b\u00a0c \n\n \n d  \r\n'), 'a b c\nd');
  assert.is(parseEmail('').text, '');
  assert.is(parseEmail('Subject: only subject\n\n').text, 'only subject');
  assert.is(parseEmail('\nbody without headers').text, 'body without headers');
});

test.run();
