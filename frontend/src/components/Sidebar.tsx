import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { ConversationSummary } from '../api/types';
import type { ChatState } from '../state/chat-store';
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
}

export function Sidebar({ state, open, onClose, onNewChat, onRetry, onLoadMore, onRename, onDelete, streamingIds, footer }: SidebarProps) {
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

      <nav class="conversation-nav" aria-label="Conversation history">
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

      <div class="sidebar-footer">{footer}</div>
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
