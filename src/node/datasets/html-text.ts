/**
 * HTML -> the plain text a text model sees (email.ts, for text/html parts and text/plain parts that are
 * obviously HTML): script/style/comments dropped, block tags become line breaks, other tags removed,
 * entities decoded; and the whitespace collapsing every text goes through.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  hellip: '\u2026',
  mdash: '\u2014',
  ndash: '\u2013',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  bull: '\u2022',
  middot: '\u00b7',
  euro: '\u20ac',
  pound: '\u00a3',
  cent: '\u00a2',
  yen: '\u00a5',
  deg: '\u00b0',
  times: '\u00d7',
  laquo: '\u00ab',
  raquo: '\u00bb',
};

/** Decodes HTML character references: the common named ones, `&#NN;` and `&#xHH;`. Unknown ones stay. */
export function decodeHtmlEntities(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?/g, (all, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      if (cp === 0xa0) return ' ';
      return String.fromCodePoint(cp);
    }
    const named = NAMED_ENTITIES[ref.toLowerCase() === ref ? ref : ref.toLowerCase()];
    // entity names are case-sensitive in HTML, but mail clients wrote &NBSP; and &AMP; too
    return named ?? all;
  });
}

const BLOCK_TAGS = new Set([
  'br', 'p', 'div', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'blockquote',
  'pre', 'title', 'body', 'html', 'head', 'center', 'dd', 'dt', 'dl', 'form', 'tbody', 'thead', 'address',
]);

/** HTML -> text: drops script/style/comments, turns block tags into line breaks, removes tags, decodes entities. */
export function htmlToText(html: string): string {
  let s = html.replace(/<!--[\s\S]*?(-->|$)/g, ' ');
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?(<\/\1\s*>|$)/gi, ' ');
  s = s.replace(/<!DOCTYPE[^>]*>/gi, ' ');
  s = s.replace(/<\/?([A-Za-z][A-Za-z0-9]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>/g, (_all, name: string) => {
    const n = name.toLowerCase();
    if (BLOCK_TAGS.has(n)) return '\n';
    if (n === 'td' || n === 'th') return ' ';
    return '';
  });
  return decodeHtmlEntities(s);
}

/** Runs of whitespace with a line break become "\n", other runs " "; the ends are trimmed. */
export function collapseWhitespace(s: string): string {
  return s
    .replace(/[\t\v\f\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
    .replace(/ ?[\n\u2028\u2029](?:[ \n\u2028\u2029])*/g, '\n')
    .trim();
}

export function looksLikeHtml(text: string): boolean {
  return /<(html|body|head|table|font|div|p|br|a\s+href|img)\b/i.test(text.slice(0, 20000));
}
