import { useMemo } from 'preact/hooks';
import { renderMarkdown } from '../markdown/render';
import { copyText } from './hooks';

/** Model output as sanitised Markdown. The per-code-block copy buttons are handled here by delegation. */
export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);

  const onClick = (event: MouseEvent) => {
    const button = (event.target as Element | null)?.closest?.('button[data-copy-code]');
    if (!(button instanceof HTMLElement)) {
      return;
    }
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    void copyText(code).then((ok) => {
      if (ok) {
        button.textContent = 'Copied';
        setTimeout(() => (button.textContent = 'Copy code'), 1500);
      }
    });
  };

  return <div class="markdown" onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />;
}
