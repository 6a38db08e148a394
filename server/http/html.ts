/**
 * The escaping `html` tagged template. Every interpolated value is HTML-escaped unless it is a
 * `Raw` value (produced by nested `html` templates or by `raw(reason, s)`), so user text can
 * never become markup by accident.
 */
export class Raw {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

type Value = string | number | boolean | null | undefined | Raw | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Raw) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Raw {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Raw(out);
}

/**
 * Trusted markup that must not be escaped. The reason is required so every use is reviewable
 * (grep for `raw(`).
 */
export function raw(_reason: string, s: string): Raw {
  return new Raw(s);
}
