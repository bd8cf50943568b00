import { describe, expect, it } from 'vitest';
import { displayTitle, titleFromFirstMessage } from './titles';

describe('titleFromFirstMessage', () => {
  it('uses the first line', () => {
    expect(titleFromFirstMessage('  Hello there\nmore text')).toBe('Hello there');
  });

  it('cuts long lines at a word boundary', () => {
    const title = titleFromFirstMessage('word '.repeat(30));
    expect(title.endsWith('…')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(title).not.toMatch(/wor…$/);
  });

  it('names untitled conversations', () => {
    expect(displayTitle(null)).toBe('New chat');
    expect(displayTitle('  ')).toBe('New chat');
  });
});
