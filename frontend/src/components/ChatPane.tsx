import type { ChatState, ChatStore } from '../state/chat-store';
import { draftKey } from '../state/drafts';
import { displayTitle } from '../state/titles';
import { Composer } from './Composer';
import { AlertIcon, MenuIcon, PlusIcon, DownloadIcon } from './Icons';
import { MessageList } from './MessageList';
import { BudgetNotice } from './Usage';

interface ChatPaneProps {
  store: ChatStore;
  state: ChatState;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onNewChat: () => void;
}

const Suggestions = [
  'Explain how HTTPS keeps a connection private',
  'Write a Python function that removes duplicates from a list',
  'Summarise the pros and cons of serverless',
];

export function ChatPane({ store, state, sidebarOpen, onOpenSidebar, onNewChat }: ChatPaneProps) {
  const messages = store.visibleMessages(state);
  const streaming = store.isStreaming(state);
  const key = draftKey(state.currentId);
  const error = state.error && state.error.key === key ? state.error : null;
  const isNew = state.currentId === null;
  const title = isNew ? 'New chat' : displayTitle(state.currentTitle);

  return (
    <main class="chat" id="main">
      <header class="chat-header">
        <button
          type="button"
          class="icon-button menu-button"
          aria-label="Open conversations"
          aria-controls="sidebar"
          aria-expanded={sidebarOpen ? 'true' : 'false'}
          onClick={onOpenSidebar}
        >
          <MenuIcon />
        </button>
        <h1 class="chat-title" data-testid="conversation-title">
          {title}
        </h1>
        {!isNew && state.current === 'ready' ? (
          <span class="export-actions" data-testid="export-conversation">
            <DownloadIcon size={16} />
            <button type="button" class="link-button" onClick={() => void store.download(state.currentId, 'markdown')}>
              Markdown
            </button>
            <button type="button" class="link-button" onClick={() => void store.download(state.currentId, 'json')}>
              JSON
            </button>
          </span>
        ) : null}
        <button type="button" class="icon-button header-new-chat" aria-label="New chat" onClick={onNewChat}>
          <PlusIcon />
        </button>
      </header>

      {state.current === 'loading' ? (
        <div class="pane-status" aria-busy="true">
          <p class="muted">Loading conversation…</p>
        </div>
      ) : state.current === 'error' || state.current === 'missing' ? (
        <div class="pane-status" role="alert" data-testid="conversation-error">
          <p>{state.current === 'missing' ? state.currentError : `Couldn't load this conversation. ${state.currentError ?? ''}`}</p>
          {state.current === 'error' ? (
            <button type="button" class="button" onClick={() => store.reloadCurrent()}>
              Retry
            </button>
          ) : (
            <button type="button" class="button" onClick={onNewChat}>
              Start a new chat
            </button>
          )}
        </div>
      ) : messages.length === 0 ? (
        <div class="empty-state">
          <h2>How can I help?</h2>
          {isNew ? (
            <ul class="suggestions">
              {Suggestions.map((text) => (
                <li key={text}>
                  <button type="button" class="suggestion" onClick={() => store.send(text)}>
                    {text}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : (
        <MessageList conversationKey={key} messages={messages} streaming={streaming} onRegenerate={() => store.regenerate()} />
      )}

      <div class="composer-area">
        {error ? (
          <div class="error-banner" role="alert" data-testid="chat-error">
            <AlertIcon size={18} />
            <p>{error.message}</p>
            <button type="button" class="button small" data-testid="retry" onClick={error.retry}>
              Retry
            </button>
            <button type="button" class="button secondary small" onClick={() => store.dismissError()}>
              Dismiss
            </button>
          </div>
        ) : null}
        {state.notice ? (
          <div class="error-banner notice" role="alert" data-testid="notice">
            <AlertIcon size={18} />
            <p>{state.notice}</p>
            <button type="button" class="button secondary small" onClick={() => store.dismissNotice()}>
              Dismiss
            </button>
          </div>
        ) : null}
        <BudgetNotice api={store.api} answering={Object.keys(state.turns).length} />
        <Composer
          draftKey={key}
          streaming={streaming}
          disabled={state.current === 'loading' || state.current === 'missing'}
          restoredDraft={state.restoredDraft}
          maxBytes={store.maxMessageBytes}
          onSend={(text) => store.send(text)}
          onStop={() => store.stop()}
        />
        <p class="disclaimer">ChatBot can make mistakes. Check important information.</p>
      </div>

      <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
        {state.announcement}
      </div>
    </main>
  );
}
