import { type Article, articleMetaFor } from './article.ts';
import { randomFor } from './prng.ts';
import { sentence } from './text.ts';
import { SECTIONS } from './vocabulary.ts';

/**
 * Renders a page article as a whole web page of realistic weight: head with metadata, inline style and
 * scripts, a navigation with many links, a cookie banner, the <article>, an aside with related links and a
 * footer. Only the <article> carries the text of `article.blocks`; everything else is boilerplate an
 * extractor has to drop. Inline markup inside paragraphs never changes their text content.
 */

const SUBSECTIONS = ['Latest', 'Analysis', 'Features', 'Video', 'Explainers'] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function pagePath(id: string): string {
  return `/pages/${encodeURIComponent(id)}`;
}

const STYLE = `
:root{--ink:#1b1b1f;--muted:#5d5d66;--accent:#0b5cad;--paper:#fffdf8;--rule:#e4e1d8}
*{box-sizing:border-box}html{font-size:100%}body{margin:0;background:var(--paper);color:var(--ink);font:1.0625rem/1.6 Georgia,'Times New Roman',serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.site-nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:.5rem 1rem;border-bottom:1px solid var(--rule);font:600 .875rem/1.4 system-ui,sans-serif}
.site-nav ul{list-style:none;margin:0;padding:0;display:flex;gap:.5rem}.site-nav li ul{display:none}.site-nav li:hover ul{display:block;position:absolute}
.masthead{display:flex;align-items:center;justify-content:space-between;padding:1rem;max-width:72rem;margin:0 auto}
.masthead .logo{font:700 1.75rem/1 system-ui,sans-serif;letter-spacing:-.02em}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 18rem;gap:2rem;max-width:72rem;margin:0 auto;padding:0 1rem}
article h1{font-size:2.4rem;line-height:1.15;margin:1.5rem 0 .5rem}article h2{font-size:1.4rem;margin:2rem 0 .5rem}
article p{margin:0 0 1.1rem}.byline{color:var(--muted);font:.875rem/1.4 system-ui,sans-serif}
.related h3,.most-read h3{font:700 .875rem/1.4 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em}
.related li,.most-read li{margin:.5rem 0;font-size:.95rem}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;padding:1rem;background:#222;color:#eee;display:flex;gap:1rem;align-items:center;z-index:10}
.cookie-banner button{font:600 .875rem system-ui,sans-serif;padding:.5rem 1rem;border:0;border-radius:.25rem}
.newsletter{border:1px solid var(--rule);padding:1rem;margin:2rem 0}.newsletter input{padding:.5rem;width:100%}
.site-footer{margin-top:4rem;padding:2rem 1rem;background:#f2efe6;font:.875rem/1.6 system-ui,sans-serif;color:var(--muted)}
.site-footer ul{columns:4;list-style:none;padding:0}.site-footer .legal{margin-top:1rem;font-size:.75rem}
@media (max-width:48rem){.layout{grid-template-columns:1fr}.site-footer ul{columns:2}article h1{font-size:1.8rem}}
@media print{.site-nav,.cookie-banner,.related,.most-read,.site-footer,.newsletter{display:none}}
`;

const SCRIPT = `
(function(w,d){
  'use strict';
  var consentKey='demo-consent-v3',queue=w.__analyticsQueue=w.__analyticsQueue||[];
  function track(event,props){queue.push({event:event,props:props||{},at:Date.now(),path:location.pathname});}
  function readConsent(){try{return JSON.parse(localStorage.getItem(consentKey)||'null');}catch(e){return null;}}
  function saveConsent(value){try{localStorage.setItem(consentKey,JSON.stringify({value:value,at:Date.now()}));}catch(e){}}
  function hideBanner(){var b=d.getElementById('cookie-banner');if(b){b.hidden=true;}}
  d.addEventListener('DOMContentLoaded',function(){
    var consent=readConsent();if(consent){hideBanner();}
    var accept=d.getElementById('cookie-accept'),reject=d.getElementById('cookie-reject');
    if(accept){accept.addEventListener('click',function(){saveConsent('all');hideBanner();track('consent',{value:'all'});});}
    if(reject){reject.addEventListener('click',function(){saveConsent('essential');hideBanner();track('consent',{value:'essential'});});}
    var depth=0;w.addEventListener('scroll',function(){var h=d.documentElement;var p=Math.round(100*(h.scrollTop+h.clientHeight)/h.scrollHeight);
      if(p>=depth+25){depth=p-(p%25);track('scroll',{depth:depth});}},{passive:true});
    track('pageview',{title:d.title,referrer:d.referrer});
  });
  w.addEventListener('error',function(e){track('error',{message:String(e.message).slice(0,200)});});
  setInterval(function(){if(queue.length&&navigator.sendBeacon){navigator.sendBeacon('/collect',JSON.stringify(queue.splice(0)));}},15000);
})(window,document);
`;

function navigation(): string {
  const items = SECTIONS.map((section) => {
    const base = `/section/${slug(section)}`;
    const subs = SUBSECTIONS.map(
      (sub) => `<li><a href="${base}/${slug(sub)}">${section} ${sub}</a></li>`,
    ).join('');
    return `<li><a href="${base}">${section}</a><ul>${subs}</ul></li>`;
  }).join('\n');
  return `<nav class="site-nav" aria-label="Sections"><ul>\n${items}\n</ul></nav>`;
}

const COOKIE_BANNER = `<div id="cookie-banner" class="cookie-banner" role="dialog" aria-label="Cookie consent">
<p>We use cookies and similar technologies to remember your preferences, measure how our journalism is read and show you relevant offers. You can accept all cookies, keep only the essential ones, or change your choice at any time in the privacy settings linked at the bottom of every page.</p>
<button id="cookie-accept" type="button">Accept all</button><button id="cookie-reject" type="button">Essential only</button><a href="/privacy#cookies">Manage preferences</a>
</div>`;

function footer(): string {
  const links = [
    ...SECTIONS.map((s) => `<li><a href="/section/${slug(s)}">${s}</a></li>`),
    ...[
      'About us',
      'Contact',
      'Careers',
      'Advertise',
      'Newsletters',
      'Podcasts',
      'Corrections',
      'Accessibility',
    ].map((s) => `<li><a href="/${slug(s)}">${s}</a></li>`),
  ].join('');
  return `<footer class="site-footer">
<ul>${links}</ul>
<p class="legal">The Demo Gazette is published by Demo Media Holdings. All rights reserved. Reproduction of any material on this site without written permission is prohibited. Prices and availability of products mentioned are subject to change. <a href="/terms">Terms of use</a> · <a href="/privacy">Privacy policy</a> · <a href="/privacy#cookies">Cookie settings</a></p>
</footer>`;
}

/** Wraps a word of the paragraph in a link or emphasis now and then, keeping its text content unchanged. */
function paragraphHtml(text: string, seedParts: readonly (string | number)[]): string {
  const r = randomFor(...seedParts);
  const words = text.split(' ');
  const wrap = (open: string, close: string) => {
    const index = r.int(0, words.length - 1);
    const match = /^([A-Za-z]+)(.*)$/.exec(words[index] ?? '');
    if (match) words[index] = `${open}${match[1]}${close}${match[2]}`;
  };
  if (r.chance(0.3)) wrap(`<a href="${pagePath(String(r.int(1, 100_000)))}">`, '</a>');
  if (r.chance(0.2)) wrap('<em>', '</em>');
  if (r.chance(0.1)) wrap('<strong>', '</strong>');
  return `<p>${words.join(' ')}</p>`;
}

function linkList(ids: readonly string[]): string {
  return ids
    .map((id) => `<li><a href="${pagePath(id)}">${escapeHtml(articleMetaFor('page', id).title)}</a></li>`)
    .join('\n');
}

export function renderPageHtml(article: Article): string {
  const { id, version } = article;
  const r = randomFor('page', id, version, 'chrome');
  const related = Array.from({ length: r.int(5, 8) }, () => String(r.int(1, 100_000)));
  const mostRead = Array.from({ length: 10 }, () => String(r.int(1, 100_000)));
  const description = article.paragraphs[0]?.split('. ')[0] ?? article.title;
  const published = article.publishedAt;
  const title = escapeHtml(article.title);
  const author = escapeHtml(article.author.name);
  let p = 0;
  const body = article.blocks
    .map((block) =>
      block.type === 'heading'
        ? `<h2>${escapeHtml(block.text)}</h2>`
        : paragraphHtml(block.text, ['page', id, version, 'markup', p++]),
    )
    .join('\n');
  const jsonLd = JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: article.title,
    author: { '@type': 'Person', name: article.author.name },
    datePublished: published,
    dateModified: article.updatedAt,
    articleSection: article.section,
    keywords: article.tags.join(', '),
  }).replace(/</g, '\\u003c');
  const promo = escapeHtml(sentence(r));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} | The Demo Gazette</title>
<meta name="description" content="${escapeHtml(description)}">
<meta name="author" content="${author}">
<meta property="og:type" content="article">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${escapeHtml(description)}">
<meta property="article:published_time" content="${published}">
<meta property="article:modified_time" content="${article.updatedAt}">
<meta property="article:section" content="${escapeHtml(article.section)}">
${article.tags.map((t) => `<meta property="article:tag" content="${t}">`).join('\n')}
<link rel="canonical" href="${pagePath(id)}">
<link rel="icon" href="/favicon.ico">
<style>${STYLE}</style>
<script type="application/ld+json">${jsonLd}</script>
<script>${SCRIPT}</script>
</head>
<body>
${COOKIE_BANNER}
<header class="masthead"><a class="logo" href="/">The Demo Gazette</a><form role="search" action="/search"><input type="search" name="q" placeholder="Search the archive"><button type="submit">Search</button></form><a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a></header>
${navigation()}
<div class="layout">
<main>
<article>
<header>
<h1>${title}</h1>
<p class="byline">By <a rel="author" href="/authors/${article.author.handle}">${author}</a> · <time datetime="${published}">${published.slice(0, 10)}</time> · ${escapeHtml(article.section)}</p>
</header>
<div class="article-body">
${body}
</div>
</article>
<section class="newsletter"><h3>Get the morning briefing</h3><p>${promo} Sign up for our free newsletter, delivered every weekday.</p><form action="/newsletter" method="post"><input type="email" name="email" placeholder="you@example.com"><button type="submit">Sign up</button></form></section>
</main>
<aside>
<section class="related"><h3>Related stories</h3><ul>
${linkList(related)}
</ul></section>
<section class="most-read"><h3>Most read</h3><ol>
${linkList(mostRead)}
</ol></section>
</aside>
</div>
${footer()}
<script>window.__pageMeta=${JSON.stringify({ id, version, section: article.section, tags: article.tags })};</script>
</body>
</html>
`;
}
