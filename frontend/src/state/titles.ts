/** The name shown for a conversation; the server makes every title (the `done` event carries it). */
export function displayTitle(title: string | null | undefined): string {
  return title && title.trim() ? title : 'New chat';
}
