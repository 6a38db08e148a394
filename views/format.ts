/**
 * Message text → safe HTML. Everything is escaped first; only these fixed tags are added around
 * already-escaped text: ```code blocks```, `inline code`, links (http/https only), **bold**,
 * *italic* or _italic_, @mentions, and line breaks. No user text ever becomes a tag or attribute
 * other than a link's href, which is escaped and limited to http(s).
 */
import { escapeHtml, raw, type Raw } from '../server/http/html';

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const MENTION_RE = /(^|[^\w@.])@([a-z0-9][a-z0-9._-]{0,63})/gi;

/** Handles mentioned in a text (lower-cased, without the @), for resolving to users. */
export function mentionHandles(text: string): string[] {
  const out = new Set<string>();
  for (const m of stripCode(text).matchAll(MENTION_RE)) out.add(m[2]!.toLowerCase().replace(/[._-]+$/, ''));
  return [...out];
}

function stripCode(text: string) {
  return text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]+`/g, ' ');
}

function emphasis(s: string): string {
  return escapeHtml(s)
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])[*_](?=[^\s*_])([^*_\n]+?)[*_](?=$|[\s.,!?;:)])/g, '$1<em>$2</em>')
    .replace(MENTION_RE, (_m, pre: string, handle: string) => `${pre}<span class="mention">@${handle}</span>`)
    .replace(/\n/g, '<br>');
}

function links(s: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(URL_RE)) {
    // Trailing punctuation usually ends the sentence, not the URL.
    const url = m[0].replace(/[.,!?;:)\]]+$/, '');
    out += emphasis(s.slice(last, m.index));
    const e = escapeHtml(url);
    out += `<a href="${e}" rel="noopener noreferrer nofollow ugc" target="_blank">${e}</a>`;
    last = m.index! + url.length;
  }
  return out + emphasis(s.slice(last));
}

function inline(s: string): string {
  return s
    .split(/`([^`\n]+)`/g)
    .map((seg, i) => (i % 2 ? `<code>${escapeHtml(seg)}</code>` : links(seg)))
    .join('');
}

export function formatMessage(text: string): Raw {
  const html = text
    .split(/```([\s\S]*?)```/g)
    .map((part, i) => (i % 2 ? `<pre><code>${escapeHtml(part.replace(/^\n/, ''))}</code></pre>` : inline(part)))
    .join('');
  return raw('built from escaped text and fixed tags only', html);
}
