import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import { highlight } from './highlight';

/**
 * Markdown for model output, which is untrusted: a prompt can make the model write anything. Three layers keep it inert:
 * 1. Raw HTML in the Markdown is shown as text, never parsed as HTML.
 * 2. Images become links, so an answer can't make the browser fetch a URL (a way to leak the conversation).
 * 3. DOMPurify sanitises the final HTML with a tight allow-list: no scripts, no event handlers, links only to
 *    http(s) and mailto.
 */

const Escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => Escapes[c]!);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    image({ href, text }: Tokens.Image): string {
      const label = escapeHtml(text || href);
      return `<a href="${escapeHtml(href)}">${label}</a>`;
    },
    code({ text, lang }: Tokens.Code): string {
      // The info string may carry more than the language ("ts title=x"); only its first word is used, and only as text.
      const language = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
      const highlighted = highlight(text, language);
      const body = highlighted ?? escapeHtml(text);
      const label = language ? escapeHtml(language) : 'text';
      const languageClass = highlighted && /^[a-z0-9#+-]+$/.test(language) ? ` language-${language}` : '';
      return (
        '<div class="code-block">' +
        `<div class="code-head"><span class="code-lang">${label}</span>` +
        '<button type="button" class="copy-code" data-copy-code="">Copy code</button></div>' +
        `<pre><code class="hljs${languageClass}">${body}</code></pre>` +
        '</div>'
      );
    },
  },
});

const SafeUrl = /^(?:https?:|mailto:)/i;

const purifyConfig = {
  ALLOWED_TAGS: [
    'a', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'input',
    'li', 'ol', 'p', 'pre', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
  ],
  ALLOWED_ATTR: ['href', 'title', 'class', 'type', 'checked', 'disabled', 'start', 'align', 'data-copy-code'],
  ALLOWED_URI_REGEXP: SafeUrl,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

let hooked = false;

function purify(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        const href = node.getAttribute('href');
        if (href && !SafeUrl.test(href.trim())) {
          node.removeAttribute('href');
        }
        if (node.hasAttribute('href')) {
          // Links open outside the app and give the target page no handle on it.
          node.setAttribute('target', '_blank');
          node.setAttribute('rel', 'noopener noreferrer nofollow');
        }
      } else if (node.tagName === 'INPUT') {
        // Only GFM task-list checkboxes, and those are read-only.
        if (node.getAttribute('type') !== 'checkbox') {
          node.remove();
        } else {
          node.setAttribute('disabled', '');
        }
      } else if (node.tagName === 'BUTTON') {
        node.setAttribute('type', 'button');
      }
    });
  }
  return DOMPurify.sanitize(html, { ...purifyConfig, ADD_ATTR: ['target', 'rel'] });
}

/** Renders untrusted Markdown to sanitised HTML. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false });
  return purify(html);
}
