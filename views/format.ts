/**
 * Message text → safe HTML. Everything is escaped first; only these fixed tags are added around
 * already-escaped text: ```code blocks```, `inline code`, links (http/https only), **bold**,
 * *italic* or _italic_, @mentions, and line breaks. No user text ever becomes a tag or attribute
 * other than a link's href, which is escaped and limited to http(s).
 */
import { escapeHtml, raw, type Raw } from '../server/http/html';

const URL_RE = /\bhttps?:\/\/[^\s<>"'`\uE000\uE001]+/gi;
const MENTION_RE = /(^|[^\w@.])@([a-z0-9][a-z0-9._-]{0,63})/gi;

/** Handles mentioned in a text (lower-cased, without the @), for resolving to users. Not in code or links. */
export function mentionHandles(text: string): string[] {
  const out = new Set<string>();
  for (const m of stripCode(text).replace(URL_RE, ' ').matchAll(MENTION_RE)) out.add(m[2]!.toLowerCase().replace(/[._-]+$/, ''));
  return [...out];
}

/**
 * `text` with every mention of one of `handles` (lower-cased, as mentionHandles gives them) written
 * without its @ (moderation/screen.ts: what the model reads).
 */
export function unmarkMentions(text: string, handles: ReadonlySet<string>): string {
  return text.replace(MENTION_RE, (m, pre: string, h: string) => (handles.has(h.toLowerCase().replace(/[._-]+$/, '')) ? `${pre}${h}` : m));
}

function stripCode(text: string) {
  return text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]+`/g, ' ');
}

function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(\uE001])[*_](?=[^\s*_])([^*_\n]+?)[*_](?=$|[\s.,!?;:)\uE000])/g, '$1<em>$2</em>')
    .replace(MENTION_RE, (_m, pre: string, handle: string) => `${pre}<span class="mention">@${handle}</span>`)
    .replace(/\n/g, '<br>');
}

/**
 * A URL as matched, less what usually follows it rather than belongs to it: sentence punctuation,
 * emphasis markers (`**https://…**`), and a closing bracket it did not open (a Wikipedia link
 * `…/Lagos_(disambiguation)` keeps its own).
 */
function trimUrl(url: string): string {
  for (;;) {
    const last = url.at(-1)!;
    if ('.,!?;:*_~]'.includes(last)) url = url.slice(0, -1);
    else if (last === ')' && url.split(')').length > url.split('(').length) url = url.slice(0, -1);
    else return url;
  }
}

/**
 * Inline code and links are set aside first (as `\uE000n\uE001`, characters of the private use
 * area, taken out of the text beforehand), so that emphasis can go around them (`**`x`**`,
 * `**https://…**`) and a `@name` inside a link is no mention; then they are put back.
 */
function inline(s: string): string {
  const kept: string[] = [];
  const keep = (html: string) => `\uE000${kept.push(html) - 1}\uE001`;
  const text = s
    .replace(/[\uE000\uE001]/g, '\uFFFD')
    .replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`))
    .replace(URL_RE, (m) => {
      const url = trimUrl(m);
      const e = escapeHtml(url);
      return keep(`<a href="${e}" rel="noopener noreferrer nofollow ugc" target="_blank">${e}</a>`) + m.slice(url.length);
    });
  return emphasis(escapeHtml(text)).replace(/\uE000(\d+)\uE001/g, (_m, i: string) => kept[Number(i)]!);
}

export function formatMessage(text: string): Raw {
  const html = text
    .split(/```([\s\S]*?)```/g)
    .map((part, i) => (i % 2 ? `<pre><code>${escapeHtml(part.replace(/^\n/, ''))}</code></pre>` : inline(part)))
    .join('');
  return raw('built from escaped text and fixed tags only', html);
}
