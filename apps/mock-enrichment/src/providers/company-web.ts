/**
 * The simulated web that the search, crawl and extract providers share: every company has a small
 * site at `https://<slug>.example/` and a profile at `https://linkedin.example/company/<slug>`, and
 * each page carries only some of the company's facts. The facts come from one hash per company
 * (`sha256(seed, 'company-web', slug)`), so a search result, the page it points at and what is
 * extracted from that page always agree.
 *
 * @module
 */
import type { RecordHash } from '../record-hash';
import { FOUNDED_YEAR_RANGE, INDUSTRIES, normalizeCompany } from './firmographics.provider';

/** Fields a feedback loop can look for on company pages, in the order they are usually asked for. */
export const WEB_FIELDS = ['company_description', 'industry', 'headcount', 'founded_year', 'linkedin_url'] as const;
export type WebField = (typeof WEB_FIELDS)[number];

/** Pages of one company, in site order; `linkedin` lives on linkedin.example. */
export const PAGE_KINDS = ['home', 'about', 'team', 'careers', 'news', 'linkedin', 'contact', 'blog'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** The fields each page carries as marked-up facts (`data-field`); other pages mention them at most in passing. */
export const PAGE_FIELDS: Readonly<Record<PageKind, readonly WebField[]>> = {
  home: [],
  about: ['company_description', 'industry'],
  team: ['headcount'],
  careers: ['headcount'],
  news: ['founded_year'],
  linkedin: ['linkedin_url', 'headcount'],
  contact: [],
  blog: [],
};

const SITE_PATHS: Readonly<Record<Exclude<PageKind, 'linkedin'>, string>> = {
  home: '/',
  about: '/about',
  team: '/team',
  careers: '/careers',
  news: '/news',
  contact: '/contact',
  blog: '/blog',
};

/** The fake top-level domain of every company site. */
export const WEB_TLD = 'example';
/** Host of the LinkedIn-like profile pages. */
export const LINKEDIN_HOST = `linkedin.${WEB_TLD}`;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `Acme Widgets, Inc.` → `acme-widgets`; `undefined` when no ASCII letters or digits are left. */
export function companySlug(name: string): string | undefined {
  const slug = normalizeCompany(name.normalize('NFKD').replace(/\p{M}/gu, ''))
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return SLUG.test(slug) && slug !== 'linkedin' ? slug : undefined;
}

const SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu']);

/** `acme.com`, `shop.acme.co.uk`, `acme.example` → `acme`: the registrable label of a normalized domain. */
export function slugFromDomain(domain: string): string | undefined {
  const labels = domain.split('.');
  labels.pop();
  const last = labels.at(-1);
  if (labels.length > 1 && last !== undefined && SECOND_LEVEL.has(last)) labels.pop();
  return companySlug(labels.at(-1) ?? '');
}

/** `acme-widgets` → `Acme Widgets`: how the simulated web spells a company. */
export function displayName(slug: string): string {
  return slug
    .split('-')
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

/** The URL of one page of a company. */
export function pageUrl(slug: string, kind: PageKind): string {
  return kind === 'linkedin' ? `https://${LINKEDIN_HOST}/company/${slug}` : `https://${slug}.${WEB_TLD}${SITE_PATHS[kind]}`;
}

/**
 * Canonical form of a URL of the simulated web: `https`, lower-case host without `www.`, no query,
 * fragment or trailing slash. `undefined` when the text is not an http(s) URL.
 */
export function normalizeUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  return `https://${host}${path}`;
}

/** Which company and page a URL of the simulated web is; `undefined` for any other host or path. */
export function parsePageUrl(text: string): { slug: string; kind: PageKind } | undefined {
  const normalized = normalizeUrl(text);
  if (normalized === undefined) return undefined;
  const { hostname, pathname } = new URL(normalized);
  if (hostname === LINKEDIN_HOST) {
    const slug = /^\/company\/([^/]+)$/.exec(pathname)?.[1];
    return slug !== undefined && SLUG.test(slug) ? { slug, kind: 'linkedin' } : undefined;
  }
  const labels = hostname.split('.');
  const slug = labels[0];
  if (labels.length !== 2 || labels[1] !== WEB_TLD || slug === undefined || !SLUG.test(slug) || slug === 'linkedin') return undefined;
  const kind = (Object.keys(SITE_PATHS) as Array<keyof typeof SITE_PATHS>).find((key) => SITE_PATHS[key] === pathname);
  return kind === undefined ? undefined : { slug, kind };
}

const OFFERINGS = [
  'builds workflow software',
  'runs managed services',
  'designs data platforms',
  'makes hardware and sensors',
  'provides analytics and advisory services',
  'operates a marketplace',
] as const;
const AUDIENCES = [
  'small businesses',
  'hospitals and clinics',
  'global enterprises',
  'public sector agencies',
  'independent retailers',
  'research teams',
] as const;
const CITIES = ['Austin', 'Boston', 'London', 'Berlin', 'Toronto', 'Amsterdam', 'Dublin', 'Sydney', 'Singapore', 'Paris'] as const;
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Dennis', 'Frances'] as const;
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Ritchie', 'Allen'] as const;
const ROLES = ['Chief Executive Officer', 'Chief Technology Officer', 'Head of Sales', 'VP Operations'] as const;
const JOBS = ['Software Engineer', 'Account Executive', 'Data Analyst', 'Customer Success Manager', 'Product Designer'] as const;
/** The page years are written against; fixed so that pages never change with the clock. */
const CURRENT_YEAR = 2024;

/** Everything the simulated web knows about one company. */
export interface CompanyFacts {
  slug: string;
  name: string;
  description: string;
  /** One of the firmographics industry codes, e.g. `financial_services`. */
  industry: (typeof INDUSTRIES)[number];
  /** `Financial services`. */
  industryLabel: string;
  headcount: number;
  foundedYear: number;
  linkedinUrl: string;
  // Distractors: numbers and names that are on the pages but are none of the fields.
  city: string;
  customers: number;
  offices: number;
  openRoles: number;
  followers: number;
  servingSinceYear: number;
  partnerFoundedYear: number;
  leaders: Array<{ name: string; role: string }>;
}

/** The facts of the company `slug`, from its own hash under the seed of `anyHash`. */
export function companyFacts(anyHash: RecordHash, slug: string): CompanyFacts {
  const hash = anyHash.related('company-web', slug);
  const name = displayName(slug);
  const industry = hash.pick('industry', INDUSTRIES);
  const industryLabel = industry.charAt(0).toUpperCase() + industry.slice(1).replace(/_/g, ' ');
  // Log-uniform: most companies are small, a few are very large.
  const headcount = Math.round(Math.exp(Math.log(3) + hash.fraction('headcount') * (Math.log(25_000) - Math.log(3))));
  const foundedYear = hash.integer('founded_year', FOUNDED_YEAR_RANGE.min, FOUNDED_YEAR_RANGE.max);
  const leaders = ROLES.slice(0, hash.integer('leaders', 2, ROLES.length)).map((role, index) => ({
    name: `${hash.pick(`leader_first_${index}`, FIRST_NAMES)} ${hash.pick(`leader_last_${index}`, LAST_NAMES)}`,
    role,
  }));
  return {
    slug,
    name,
    description: `${name} ${hash.pick('offering', OFFERINGS)} for ${hash.pick('audience', AUDIENCES)}.`,
    industry,
    industryLabel,
    headcount,
    foundedYear,
    linkedinUrl: pageUrl(slug, 'linkedin'),
    city: hash.pick('city', CITIES),
    customers: hash.integer('customers', 20, 9_000),
    offices: hash.integer('offices', 1, 12),
    openRoles: hash.integer('open_roles', 0, 40),
    followers: hash.integer('followers', 100, 250_000),
    servingSinceYear: hash.integer('serving_since', Math.min(foundedYear + 1, CURRENT_YEAR), CURRENT_YEAR),
    partnerFoundedYear: hash.integer('partner_founded', FOUNDED_YEAR_RANGE.min, FOUNDED_YEAR_RANGE.max),
    leaders,
  };
}

/** `&`, `<`, `>`, `"` and `'` escaped for text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const number = (value: number): string => value.toLocaleString('en-US');

/** A page as search shows it: title and snippet. */
export interface PageSummary {
  title: string;
  snippet: string;
}

/** Title and snippet of one page, as a search engine would show them. */
export function pageSummary(facts: CompanyFacts, kind: PageKind): PageSummary {
  const { name } = facts;
  switch (kind) {
    case 'home':
      return {
        title: `${name} | ${facts.industryLabel} for ${facts.city} and beyond`,
        snippet: `Trusted by ${number(facts.customers)} customers. ${facts.description}`,
      };
    case 'about':
      return { title: `About ${name}`, snippet: `${facts.description} Industry: ${facts.industryLabel}. Headquartered in ${facts.city}.` };
    case 'team':
      return { title: `Our team | ${name}`, snippet: `Meet the ${number(facts.headcount)} people behind ${name}, across ${facts.offices} offices.` };
    case 'careers':
      return { title: `Careers at ${name}`, snippet: `Join ${number(facts.headcount)} colleagues at ${name}. ${facts.openRoles} open roles.` };
    case 'news':
      return {
        title: `News | ${name}`,
        snippet: `${name} was founded in ${facts.foundedYear} and has grown to ${facts.offices} offices. Press releases and announcements.`,
      };
    case 'linkedin':
      return { title: `${name} | LinkedIn`, snippet: `${name} | ${number(facts.followers)} followers on LinkedIn. ${number(facts.headcount)} employees.` };
    case 'contact':
      return { title: `Contact ${name}`, snippet: `Get in touch with ${name} in ${facts.city}.` };
    case 'blog':
      return { title: `Blog | ${name}`, snippet: `Serving customers since ${facts.servingSinceYear}: what we learned along the way.` };
  }
}

function sitePage(facts: CompanyFacts, kind: PageKind, metaDescription: string, main: string): string {
  const nav = (Object.keys(SITE_PATHS) as Array<keyof typeof SITE_PATHS>)
    .map((key) => `<a href="${SITE_PATHS[key]}">${key === 'home' ? 'Home' : key.charAt(0).toUpperCase() + key.slice(1)}</a>`)
    .join(' ');
  const { title } = pageSummary(facts, kind);
  return [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="description" content="${escapeHtml(metaDescription)}"></head>`,
    '<body>',
    `<header><a class="logo" href="/">${escapeHtml(facts.name)}</a><nav>${nav}</nav></header>`,
    `<main>${main}</main>`,
    `<footer><p>&copy; ${escapeHtml(facts.name)}. All rights reserved.</p>` +
      `<p>Follow us: <a href="${escapeHtml(facts.linkedinUrl)}">LinkedIn</a> <a href="https://social.${WEB_TLD}/${facts.slug}">Social</a></p></footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The HTML of one page. Marked-up facts carry `data-field` (and `data-value` when the text is prose). */
export function renderPage(facts: CompanyFacts, kind: PageKind): string {
  const name = escapeHtml(facts.name);
  const headcount = `<strong data-field="headcount" data-value="${facts.headcount}">${number(facts.headcount)}</strong>`;
  switch (kind) {
    case 'home':
      return sitePage(
        facts,
        kind,
        facts.description,
        `<section class="hero"><h1>${name}</h1><p>The ${escapeHtml(facts.industryLabel.toLowerCase())} partner for teams in ${escapeHtml(facts.city)} and beyond.</p>` +
          `<p>Trusted by ${number(facts.customers)} customers.</p><a class="cta" href="/contact">Book a demo</a></section>`,
      );
    case 'about':
      return sitePage(
        facts,
        kind,
        `About ${facts.name}`,
        `<h1>About ${name}</h1><p data-field="company_description">${escapeHtml(facts.description)}</p>` +
          `<h2>At a glance</h2><dl><dt>Industry</dt><dd data-field="industry" data-value="${facts.industry}">${escapeHtml(facts.industryLabel)}</dd>` +
          `<dt>Headquarters</dt><dd>${escapeHtml(facts.city)}</dd><dt>Customers</dt><dd>${number(facts.customers)}</dd></dl>` +
          `<h2>Our mission</h2><p>We want every customer to get more done with less effort.</p>`,
      );
    case 'team':
      return sitePage(
        facts,
        kind,
        `Meet the people behind ${facts.name}`,
        `<h1>Our team</h1><p>We are ${headcount} people across ${facts.offices} offices.</p><h2>Leadership</h2><ul>` +
          facts.leaders.map((leader) => `<li><h3>${escapeHtml(leader.name)}</h3><p>${escapeHtml(leader.role)}</p></li>`).join('') +
          '</ul>',
      );
    case 'careers':
      return sitePage(
        facts,
        kind,
        `Careers at ${facts.name}`,
        `<h1>Careers at ${name}</h1><p>Join ${headcount} colleagues building what comes next.</p>` +
          `<h2>${facts.openRoles} open roles</h2><ul>` +
          JOBS.slice(0, Math.min(JOBS.length, Math.max(1, facts.openRoles)))
            .map((job) => `<li>${job} &middot; ${escapeHtml(facts.city)}</li>`)
            .join('') +
          '</ul>',
      );
    case 'news':
      return sitePage(
        facts,
        kind,
        `News from ${facts.name}`,
        `<h1>News</h1><article><h2>${name} opens office number ${facts.offices}</h2>` +
          `<p>Founded in <time data-field="founded_year" data-value="${facts.foundedYear}">${facts.foundedYear}</time>, ${name} keeps growing.</p></article>` +
          `<article><h2>${name} partners with Northwind</h2><p>Northwind, itself around since ${facts.partnerFoundedYear}, will resell our products.</p></article>`,
      );
    case 'linkedin':
      return [
        '<!doctype html>',
        '<html lang="en">',
        `<head><meta charset="utf-8"><title>${name} | LinkedIn</title></head>`,
        '<body>',
        `<main class="profile"><h1>${name}</h1><p class="followers">${number(facts.followers)} followers</p>` +
          `<p><a data-field="linkedin_url" href="${escapeHtml(facts.linkedinUrl)}">${escapeHtml(facts.linkedinUrl.replace(/^https:\/\//, ''))}</a></p>` +
          `<section><h2>Company size</h2><p>${headcount} employees</p></section>` +
          `<section><h2>People also viewed</h2><ul><li>Northwind</li><li>Contoso</li></ul></section></main>`,
        '</body>',
        '</html>',
        '',
      ].join('\n');
    case 'contact':
      return sitePage(
        facts,
        kind,
        `Contact ${facts.name}`,
        `<h1>Contact us</h1><address>${name}<br>1 Main Street<br>${escapeHtml(facts.city)}</address>` +
          `<p>Email <a href="mailto:hello@${facts.slug}.${WEB_TLD}">hello@${facts.slug}.${WEB_TLD}</a></p>`,
      );
    case 'blog':
      return sitePage(
        facts,
        kind,
        `The ${facts.name} blog`,
        `<h1>Blog</h1><article><h2>What we learned</h2><p>Serving customers since ${facts.servingSinceYear} taught us a lot.</p>` +
          `<p>Last year we shipped 12 releases to ${number(facts.customers)} customers.</p></article>`,
      );
  }
}
