/**
 * The page shell shared by every full page: mobile-first, no web fonts, one stylesheet with a
 * content hash in its URL (see server/http/assets.ts).
 */
import { html, type Raw } from '../server/http/html';

export interface Shell {
  title: string;
  body: Raw;
  /** Asset URL lookup (name → hashed URL). */
  asset: (name: string) => string;
  scripts?: string[];
  /** More in the head (the offline page's refresh). */
  head?: Raw;
}

export function layout({ title, body, asset, scripts = [], head }: Shell): Raw {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head ?? ''}<title>${title} · Lets Talk</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('app.css')}">
${scripts.map((s) => html`<script src="${asset(s)}" defer></script>`)}
</head>
<body>
${body}
</body>
</html>`;
}

/** A small centred card, used by sign-in, password and error pages. */
export function card(heading: string, inner: Raw): Raw {
  return html`<main class="card"><h1>${heading}</h1>${inner}</main>`;
}

export function alert(message: string | null | undefined): Raw {
  return message ? html`<p class="alert" role="alert">${message}</p>` : html``;
}
