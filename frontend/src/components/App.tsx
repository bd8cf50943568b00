import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConversationSummary } from '../api/types';
import type { Auth } from '../auth/types';
import type { LocalAuth } from '../auth/local';
import type { ChatStore } from '../state/chat-store';
import { clearAllDrafts } from '../state/drafts';
import { displayTitle } from '../state/titles';
import { LocalAccount, SignedInAccount } from './Account';
import { ChatPane } from './ChatPane';
import { ConfirmDialog } from './ConfirmDialog';
import { useChatState } from './hooks';
import { Sidebar } from './Sidebar';
import { AccountPage, AdminPage } from './Usage';

interface AppProps {
  store: ChatStore;
  auth: Auth;
}

/** `#/c/{id}` opens a conversation; anything else is the new-chat page. Hash routes need no server fallback. */
export function routeFromHash(hash: string): string | null {
  const match = /^#\/c\/([^/?#]+)$/.exec(hash);
  if (!match) {
    return null;
  }
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

/** `#/account` and `#/admin` show a usage page in place of the chat. */
export function pageFromHash(hash: string): 'account' | 'admin' | null {
  return hash === '#/account' ? 'account' : hash === '#/admin' ? 'admin' : null;
}

export function App({ store, auth }: AppProps) {
  const state = useChatState(store);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [pendingDelete, setPendingDelete] = useState<ConversationSummary | null>(null);
  const [confirmDeleteAll, setConfirmDeleteAll] = useState(false);
  const [user, setUser] = useState(auth.userName);
  const [page, setPage] = useState(pageFromHash(location.hash));

  useEffect(() => {
    const onRoute = () => {
      setPage(pageFromHash(location.hash));
      void store.open(routeFromHash(location.hash));
      setSidebarOpen(false);
    };
    window.addEventListener('hashchange', onRoute);
    onRoute();
    void store.loadConversations();
    return () => window.removeEventListener('hashchange', onRoute);
  }, [store]);

  useEffect(() => {
    const title = state.currentId ? displayTitle(state.currentTitle) : null;
    document.title = title ? `${title} · ChatBot` : 'ChatBot';
  }, [state.currentId, state.currentTitle]);

  // On a phone the sidebar is a drawer: focus moves into it when it opens, and Escape closes it.
  useEffect(() => {
    if (!sidebarOpen) {
      return;
    }
    document.querySelector<HTMLElement>('#sidebar [data-testid="new-chat"]')?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setSidebarOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sidebarOpen]);

  const streamingIds = useMemo(() => new Set(Object.keys(state.turns)), [state.turns]);

  const newChat = () => {
    setSidebarOpen(false);
    if (location.hash === '' || location.hash === '#/') {
      void store.open(null);
    } else {
      location.hash = '#/';
    }
  };

  const footer =
    auth.kind === 'local' ? (
      <LocalAccount
        key={user}
        user={user}
        rule={(auth as LocalAuth).rule}
        onSwitch={(name) => {
          if ((auth as LocalAuth).setUser(name)) {
            // Drafts belong to the previous user's conversations.
            clearAllDrafts();
            setUser(auth.userName);
            store.reset();
          }
        }}
      />
    ) : (
      <SignedInAccount user={user} onSignOut={() => void auth.signOut()} />
    );

  return (
    <div class="app" data-sidebar-open={sidebarOpen ? 'true' : 'false'}>
      <a
        class="skip-link"
        href="#message-input"
        onClick={(e) => {
          // The hash is the router's; move focus without touching it.
          e.preventDefault();
          document.getElementById('message-input')?.focus();
        }}
      >
        Skip to message box
      </a>
      <Sidebar
        state={state}
        open={sidebarOpen}
        onClose={() => {
          setSidebarOpen(false);
          document.querySelector<HTMLElement>('.menu-button')?.focus();
        }}
        onNewChat={newChat}
        onRetry={() => void store.loadConversations()}
        onLoadMore={() => void store.loadMore()}
        onRename={(id, title) => store.rename(id, title)}
        onDelete={setPendingDelete}
        streamingIds={streamingIds}
        footer={footer}
        onSearch={(query) => void store.search(query)}
        onSearchMore={() => void store.searchMore()}
        onExportAll={() => void store.download(null, 'json')}
        onDeleteAll={() => setConfirmDeleteAll(true)}
      />
      <div class="backdrop" aria-hidden="true" onClick={() => setSidebarOpen(false)} />
      {page === 'account' ? (
        <AccountPage api={store.api} onBack={newChat} />
      ) : page === 'admin' ? (
        <AdminPage api={store.api} onBack={newChat} />
      ) : (
        <ChatPane store={store} state={state} sidebarOpen={sidebarOpen} onOpenSidebar={() => setSidebarOpen(true)} onNewChat={newChat} />
      )}
      <ConfirmDialog
        open={pendingDelete !== null}
        title="Delete conversation?"
        confirmLabel="Delete"
        onCancel={() => setPendingDelete(null)}
        onConfirm={() => {
          const target = pendingDelete;
          setPendingDelete(null);
          if (target) {
            void store.remove(target.id);
          }
          // The focused delete button is going away with its conversation.
          document.querySelector<HTMLElement>('[data-testid="new-chat"]')?.focus();
        }}
      >
        <p>
          “{displayTitle(pendingDelete?.title)}” and all its messages will be deleted. This can't be undone.
        </p>
      </ConfirmDialog>
      {confirmDeleteAll ? (
        <ConfirmDialog
          open
          title="Delete all conversations?"
          confirmLabel="Delete all"
          onCancel={() => setConfirmDeleteAll(false)}
          onConfirm={() => {
            setConfirmDeleteAll(false);
            void store.deleteAll();
            document.querySelector<HTMLElement>('[data-testid="new-chat"]')?.focus();
          }}
        >
          <p>Every conversation and all their messages will be deleted. This can't be undone. Download them first to keep a copy.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
