import { describe, expect, test } from 'bun:test';
import { html, raw, escapeHtml } from './html';

describe('html template', () => {
  test('escapes interpolated text, attributes included', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
  });
  test('nested templates and raw() are not escaped twice; arrays are joined', () => {
    const items = ['a<b', 'c'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>${raw('test', '<hr>')}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul><hr>');
  });
  test('null, undefined and false render nothing; numbers render', () => {
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(escapeHtml('"')).toBe('&quot;');
  });
});
