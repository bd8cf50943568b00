import { describe, expect, it } from 'vitest';
import { displayTitle } from './titles';

describe('displayTitle', () => {
  it('names untitled conversations', () => {
    expect(displayTitle(null)).toBe('New chat');
    expect(displayTitle('  ')).toBe('New chat');
  });
});
