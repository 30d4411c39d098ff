/**
 * Field extraction from HTML, as the mock extract provider does it: marked-up facts
 * (`data-field="<field>"`, the way the simulated web writes them) are strong evidence; patterns in
 * the page's text (`founded in 1987`, `240 employees`, a LinkedIn link, the meta description) are
 * weak evidence and may be wrong, like a real extractor's guesses. No HTML parser: the mock's own
 * markup is regular, and anything else only needs a best effort.
 *
 * @module
 */
import type { WebField } from './company-web';

/** How a value was found: a marked-up fact or a guess from the text. */
export type Evidence = 'markup' | 'text';

/** One value found in a page. */
export interface FoundField {
  value: string | number;
  evidence: Evidence;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', middot: '·', copy: '©' };

/** Decodes named entities of the list above and numeric ones. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** The visible text of some HTML: scripts, styles and tags removed, entities decoded, spaces collapsed. */
export function htmlText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]*>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attributes);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
}

const YEAR_MIN = 1800;
const YEAR_MAX = 2100;
const LINKEDIN = /https?:\/\/(?:www\.)?linkedin\.(?:com|example)\/company\/[a-z0-9][a-z0-9-]*/i;

/** The value as the field's type, or `undefined` when it is not one (a headcount of "many"). */
function coerce(field: WebField, raw: string): string | number | undefined {
  const text = raw.replace(/\s+/g, ' ').trim();
  switch (field) {
    case 'headcount': {
      const digits = /\d[\d,]*/.exec(text)?.[0].replace(/,/g, '');
      const value = digits === undefined ? Number.NaN : Number(digits);
      return Number.isSafeInteger(value) && value > 0 ? value : undefined;
    }
    case 'founded_year': {
      const value = Number(/\b\d{4}\b/.exec(text)?.[0]);
      return Number.isInteger(value) && value >= YEAR_MIN && value <= YEAR_MAX ? value : undefined;
    }
    case 'linkedin_url':
      return LINKEDIN.exec(text)?.[0].toLowerCase();
    case 'company_description':
    case 'industry':
      return text === '' ? undefined : text.slice(0, 2_000);
  }
}

/** The first element marked `data-field="<field>"` whose value fits the field. */
function fromMarkup(html: string, field: WebField): string | number | undefined {
  // Opening tags only: matching whole elements would swallow the marked ones nested inside others.
  const openings = /<([a-z][a-z0-9]*)\b([^>]*\bdata-field\b[^>]*)>/gi;
  for (const match of html.matchAll(openings)) {
    const attributes = match[2] ?? '';
    if (attribute(attributes, 'data-field') !== field) continue;
    const start = match.index + match[0].length;
    const end = html.toLowerCase().indexOf(`</${(match[1] ?? '').toLowerCase()}`, start);
    const inner = end === -1 ? '' : html.slice(start, end);
    const raw = attribute(attributes, 'data-value') ?? (field === 'linkedin_url' ? attribute(attributes, 'href') : undefined) ?? htmlText(inner);
    const value = coerce(field, raw);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A guess from the text: the patterns a naive extractor would use, distractors and all. */
function fromText(html: string, text: string, field: WebField): string | number | undefined {
  switch (field) {
    case 'company_description': {
      const meta = /<meta\b[^>]*\bname\s*=\s*["']description["'][^>]*>/i.exec(html)?.[0];
      return meta === undefined ? undefined : coerce(field, attribute(meta, 'content') ?? '');
    }
    case 'industry': {
      const match = /\b[Ii]ndustry\b\s*:?\s*([A-Z][A-Za-z &-]{2,40}?)(?=[.,;]|\s[A-Z]|$)/.exec(text);
      return match?.[1] === undefined ? undefined : coerce(field, match[1]);
    }
    case 'headcount': {
      const match = /\b(\d[\d,]*)\+?\s+(?:employees|people|staff|colleagues)\b/i.exec(text);
      return match?.[1] === undefined ? undefined : coerce(field, match[1]);
    }
    case 'founded_year': {
      const match = /\b(?:founded|established|since)\b\D{0,30}?\b(\d{4})\b/i.exec(text);
      return match?.[1] === undefined ? undefined : coerce(field, match[1]);
    }
    case 'linkedin_url': {
      const match = LINKEDIN.exec(html);
      return match === null ? undefined : coerce(field, match[0]);
    }
  }
}

/** Finds one field in a page: marked-up facts first, then guesses from the text. */
export function findField(html: string, field: WebField, text = htmlText(html)): FoundField | undefined {
  const marked = fromMarkup(html, field);
  if (marked !== undefined) return { value: marked, evidence: 'markup' };
  const guessed = fromText(html, text, field);
  return guessed === undefined ? undefined : { value: guessed, evidence: 'text' };
}
