const DefaultTitleLength = 60;

/**
 * The title a conversation gets from its first message, as the server computes it (ChatBot.Core `Titles`): the first
 * line, cut at a word boundary near 60 characters. Used only until the list is next read from the server.
 */
export function titleFromFirstMessage(content: string): string {
  let line = content.trim();
  const newline = line.search(/[\r\n]/);
  if (newline >= 0) {
    line = line.slice(0, newline).trimEnd();
  }
  if (line.length <= DefaultTitleLength) {
    return line;
  }
  let cut = line.slice(0, DefaultTitleLength);
  const space = cut.lastIndexOf(' ');
  if (space > DefaultTitleLength / 2) {
    cut = cut.slice(0, space);
  }
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    cut = cut.slice(0, -1);
  }
  return `${cut.trimEnd()}…`;
}

export function displayTitle(title: string | null | undefined): string {
  return title && title.trim() ? title : 'New chat';
}
