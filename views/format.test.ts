import { describe, expect, test } from 'bun:test';
import { formatMessage, mentionHandles } from './format';

const f = (s: string) => formatMessage(s).value;

describe('formatMessage', () => {
  test('escapes HTML and script everywhere', () => {
    expect(f('<script>alert(1)</script> <img src=x onerror=alert(1)>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;');
    expect(f('**<b>x</b>**')).toBe('<strong>&lt;b&gt;x&lt;/b&gt;</strong>');
    expect(f('`<i>`')).toBe('<code>&lt;i&gt;</code>');
  });
  test('bold, italic, code, code blocks and line breaks', () => {
    expect(f('**bold** and *it* and _it2_\nnext')).toBe('<strong>bold</strong> and <em>it</em> and <em>it2</em><br>next');
    expect(f('```\nconst a = 1 < 2;\n```')).toBe('<pre><code>const a = 1 &lt; 2;\n</code></pre>');
    expect(f('2*3*4 and snake_case_name')).toBe('2*3*4 and snake_case_name');
  });
  test('links are http(s) only, escaped, and lose trailing punctuation', () => {
    expect(f('see https://unilag.edu.ng/a?b=1&c=2.')).toBe('see <a href="https://unilag.edu.ng/a?b=1&amp;c=2" rel="noopener noreferrer nofollow ugc" target="_blank">https://unilag.edu.ng/a?b=1&amp;c=2</a>.');
    expect(f('javascript:alert(1)')).toBe('javascript:alert(1)');
    expect(f('https://x.ng/"onmouseover="alert(1)')).toContain('href="https://x.ng/"');
    expect(f('`https://x.ng`')).toBe('<code>https://x.ng</code>');
  });
  test('mentions are marked, but not inside emails or code', () => {
    expect(f('hi @ada.obi!')).toBe('hi <span class="mention">@ada.obi</span>!');
    expect(f('mail ada@unilag.edu.ng')).toBe('mail ada@unilag.edu.ng');
    expect(mentionHandles('@Ada and @bola. `@not` ```@no``` x@y.ng')).toEqual(['ada', 'bola']);
  });

  test('emphasis goes around links and code; a link keeps its own brackets; an @ inside a link is no mention', () => {
    const a = (u: string) => `<a href="${u}" rel="noopener noreferrer nofollow ugc" target="_blank">${u}</a>`;
    expect(f('**https://unilag.edu.ng/timetable**')).toBe(`<strong>${a('https://unilag.edu.ng/timetable')}</strong>`);
    expect(f('_see https://x.ng/a_b_')).toBe(`<em>see ${a('https://x.ng/a_b')}</em>`);
    expect(f('**`npm test`** now')).toBe('<strong><code>npm test</code></strong> now');
    expect(f('https://en.wikipedia.org/wiki/Lagos_(disambiguation)')).toBe(a('https://en.wikipedia.org/wiki/Lagos_(disambiguation)'));
    expect(f('(see https://x.ng/page)')).toBe(`(see ${a('https://x.ng/page')})`);
    expect(f('follow https://x.ng/@ada.obi now')).toBe(`follow ${a('https://x.ng/@ada.obi')} now`);
    expect(mentionHandles('https://x.ng/@ada.obi and @bola')).toEqual(['bola']);
  });
  test('text cannot name the placeholders used for links and code', () => {
    expect(f('\uE0000\uE001 `x`')).toBe('\uFFFD0\uFFFD <code>x</code>');
    expect(f('https://x.ng`y`')).toBe('<a href="https://x.ng" rel="noopener noreferrer nofollow ugc" target="_blank">https://x.ng</a><code>y</code>');
  });
});
