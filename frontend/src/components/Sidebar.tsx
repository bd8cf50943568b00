import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { ConversationSummary, SearchResult } from '../api/types';
import type { ChatState, SearchState } from '../state/chat-store';
import { displayTitle } from '../state/titles';
import { CloseIcon, PencilIcon, PlusIcon, TrashIcon } from './Icons';

interface SidebarProps {
  state: ChatState;
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
  onRetry: () => void;
  onLoadMore: () => void;
  onRename: (id: string, title: string) => Promise<boolean>;
  onDelete: (conversation: ConversationSummary) => void;
  streamingIds: Set<string>;
  footer: ComponentChildren;
  /** Search, download and delete-all (see SearchBox and MyData below). */
  onSearch: (query: string) => void;
  onSearchMore: () => void;
  onExportAll: () => void;
  onDeleteAll: () => void;
}

export function Sidebar(props: SidebarProps) {
  const { state, open, onClose, onNewChat, onRetry, onLoadMore, onRename, onDelete, streamingIds, footer } = props;
  const empty = state.list === 'ready' && state.conversations.length === 0;
  return (
    <aside id="sidebar" class="sidebar" data-open={open ? 'true' : 'false'} aria-label="Conversations">
      <div class="sidebar-top">
        <span class="brand">
          <span class="brand-mark" aria-hidden="true" />
          ChatBot
        </span>
        <button type="button" class="icon-button close-sidebar" aria-label="Close sidebar" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <button type="button" class="new-chat" data-testid="new-chat" onClick={onNewChat}>
        <PlusIcon size={16} />
        New chat
      </button>

      <SearchBox onSearch={props.onSearch} />
      {state.search ? <SearchResults search={state.search} currentId={state.currentId} onMore={props.onSearchMore} /> : null}

      <nav class="conversation-nav" aria-label="Conversation history" hidden={state.search !== null}>
        <ul class="conversation-list" data-testid="conversation-list">
          {state.conversations.map((conversation) => (
            <ConversationItem
              key={conversation.id}
              conversation={conversation}
              active={conversation.id === state.currentId}
              streaming={streamingIds.has(conversation.id)}
              onRename={onRename}
              onDelete={onDelete}
            />
          ))}
        </ul>
        {state.list === 'loading' ? <p class="muted list-note">Loading conversations…</p> : null}
        {empty ? <p class="muted list-note">No conversations yet.</p> : null}
        {state.list === 'error' ? (
          <div class="list-error" role="alert" data-testid="list-error">
            <p>Couldn't load your conversations. {state.listError}</p>
            <button type="button" class="button secondary" onClick={onRetry}>
              Retry
            </button>
          </div>
        ) : null}
        {state.nextCursor && (state.list === 'ready' || state.list === 'loading-more') ? (
          <button type="button" class="load-more" data-testid="load-more" disabled={state.list === 'loading-more'} onClick={onLoadMore}>
            {state.list === 'loading-more' ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </nav>

      <div class="sidebar-footer">
        <MyData onExportAll={props.onExportAll} onDeleteAll={props.onDeleteAll} />
        {footer}
      </div>
    </aside>
  );
}

interface ConversationItemProps {
  conversation: ConversationSummary;
  active: boolean;
  streaming: boolean;
  onRename: (id: string, title: string) => Promise<boolean>;
  onDelete: (conversation: ConversationSummary) => void;
}

function ConversationItem({ conversation, active, streaming, onRename, onDelete }: ConversationItemProps) {
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const title = displayTitle(conversation.title);

  useEffect(() => {
    if (editing) {
      input.current?.focus();
      input.current?.select();
    }
  }, [editing]);

  const finish = async (save: boolean) => {
    if (!editing || saving) {
      return;
    }
    const value = input.current?.value ?? '';
    if (save && value.trim() && value.trim() !== conversation.title) {
      setSaving(true);
      const ok = await onRename(conversation.id, value);
      setSaving(false);
      if (!ok) {
        return;
      }
    }
    setEditing(false);
    renameButton.current?.focus();
  };

  return (
    <li
      class={`conversation-item${active ? ' active' : ''}`}
      data-testid="conversation-item"
      data-conversation-id={conversation.id}
    >
      {editing ? (
        <form
          class="rename-form"
          onSubmit={(e) => {
            e.preventDefault();
            void finish(true);
          }}
        >
          <label class="visually-hidden" for={`rename-${conversation.id}`}>
            Conversation title
          </label>
          <input
            id={`rename-${conversation.id}`}
            ref={input}
            class="rename-input"
            data-testid="rename-input"
            defaultValue={conversation.title ?? ''}
            maxLength={200}
            disabled={saving}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                void finish(false);
              }
            }}
            onBlur={() => void finish(true)}
          />
        </form>
      ) : (
        <a
          class="conversation-link"
          href={`#/c/${encodeURIComponent(conversation.id)}`}
          aria-current={active ? 'page' : undefined}
          title={title}
        >
          <span class="conversation-title">{title}</span>
          {streaming ? <span class="live-dot" title="Answering" aria-label="(answering)" /> : null}
        </a>
      )}
      {!editing ? (
        <div class="item-actions">
          <button
            type="button"
            ref={renameButton}
            class="icon-button small"
            aria-label={`Rename ${title}`}
            title="Rename"
            data-testid="rename-conversation"
            onClick={() => setEditing(true)}
          >
            <PencilIcon size={15} />
          </button>
          <button
            type="button"
            class="icon-button small"
            aria-label={`Delete ${title}`}
            title="Delete"
            data-testid="delete-conversation"
            onClick={() => onDelete(conversation)}
          >
            <TrashIcon size={15} />
          </button>
        </div>
      ) : null}
    </li>
  );
}

// ---- Search, download and delete-all ----

/** Searches as the user types, a moment after the last key. */
function SearchBox({ onSearch }: { onSearch: (query: string) => void }) {
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <div class="search-box" role="search">
      <label class="visually-hidden" for="conversation-search">
        Search conversations
      </label>
      <input
        id="conversation-search"
        type="search"
        class="search-input"
        data-testid="search-input"
        placeholder="Search conversations"
        maxLength={200}
        autocomplete="off"
        onInput={(e) => {
          const query = e.currentTarget.value;
          clearTimeout(timer.current);
          timer.current = setTimeout(() => onSearch(query), query.trim() ? 250 : 0);
        }}
      />
    </div>
  );
}

function SearchResults({ search, currentId, onMore }: { search: SearchState; currentId: string | null; onMore: () => void }) {
  return (
    <nav class="conversation-nav" aria-label="Search results" data-testid="search-results">
      <ul class="conversation-list">
        {search.results.map((result) => (
          <li key={result.id} class={`conversation-item search-result${result.id === currentId ? ' active' : ''}`} data-testid="search-result">
            <a class="conversation-link" href={`#/c/${encodeURIComponent(result.id)}`} aria-current={result.id === currentId ? 'page' : undefined}>
              <span class="conversation-title">{displayTitle(result.title)}</span>
              {result.snippet.field === 'message' ? (
                <span class="snippet" data-testid="search-snippet">
                  <Highlighted result={result} />
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
      <p class="muted list-note" role="status">
        {search.status === 'loading'
          ? 'Searching…'
          : search.status === 'error'
            ? `Couldn't search. ${search.error}`
            : search.results.length === 0 && !search.nextCursor
              ? 'No conversations match.'
              : ''}
      </p>
      {search.nextCursor && (search.status === 'ready' || search.status === 'loading-more') ? (
        <button type="button" class="load-more" data-testid="search-more" disabled={search.status === 'loading-more'} onClick={onMore}>
          {search.status === 'loading-more' ? 'Searching…' : 'Search older conversations'}
        </button>
      ) : null}
    </nav>
  );
}

/** The snippet with the server's matches marked; the server finds them, so accents and case match as the search did. */
function Highlighted({ result }: { result: SearchResult }) {
  const { text, highlights } = result.snippet;
  const parts: (string | preact.JSX.Element)[] = [];
  let at = 0;
  for (const { start, length } of highlights) {
    if (start < at) {
      continue;
    }
    parts.push(text.slice(at, start), <mark key={start}>{text.slice(start, start + length)}</mark>);
    at = start + length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

function MyData({ onExportAll, onDeleteAll }: { onExportAll: () => void; onDeleteAll: () => void }) {
  return (
    <div class="my-data">
      <button type="button" class="link-button" data-testid="export-all" onClick={onExportAll}>
        Download all
      </button>
      <button type="button" class="link-button danger" data-testid="delete-all" onClick={onDeleteAll}>
        Delete all
      </button>
    </div>
  );
}
