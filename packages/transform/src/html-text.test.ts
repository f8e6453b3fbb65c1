import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { type HtmlNode, htmlText } from './html-text.ts';
import { normaliseText } from './normalise-text.ts';

function textOf(bodyHtml: string): string {
  const { document } = parseHTML(`<!DOCTYPE html><html><head></head><body>${bodyHtml}</body></html>`);
  return normaliseText(htmlText(document.body as HtmlNode));
}

describe('htmlText', () => {
  it('separates block elements by blank lines and collapses source whitespace inside them', () => {
    expect(
      textOf(
        '<h1>Title</h1>\n<p>First\n   paragraph,\n  wrapped.</p><div>Second <b>bold</b><i>italic</i></div>',
      ),
    ).toBe('Title\n\nFirst paragraph, wrapped.\n\nSecond bolditalic');
  });

  it('puts list items and table rows on lines of their own, and cells side by side', () => {
    expect(
      textOf(
        '<p>Intro</p><ul><li>one</li><li>two</li></ul><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>',
      ),
    ).toBe('Intro\n\none\ntwo\n\na b\n1 2');
  });

  it('breaks lines at <br> and keeps the line structure of <pre>', () => {
    expect(textOf('<p>line one<br>line two</p><pre>code  line 1\n  code line 2</pre>')).toBe(
      'line one\nline two\n\ncode line 1\ncode line 2',
    );
  });

  it('drops scripts, styles, form controls, media and hidden elements', () => {
    const html =
      '<p>kept</p><script>var x = "<p>no</p>";</script><style>p { color: red }</style><noscript>enable js</noscript>' +
      '<button>Click</button><select><option>opt</option></select><textarea>typed</textarea><img alt="alt text">' +
      '<svg><text>vector</text></svg><template><p>tpl</p></template><div hidden>secret</div>' +
      '<span aria-hidden="true">icon</span><!-- a comment --><p>also kept</p>';
    expect(textOf(html)).toBe('kept\n\nalso kept');
  });
});
