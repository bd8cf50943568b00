import { useState } from 'preact/hooks';
import type { ChatState, ChatStore } from '../state/chat-store';
import { ConfirmDialog } from './ConfirmDialog';

/** The model for the open conversation (or the next new chat), when the deployment offers more than one. */
export function ModelPicker({ store, state }: { store: ChatStore; state: ChatState }) {
  if (state.models.length < 2) {
    return null;
  }
  const current = state.currentModel ?? state.models.find((m) => m.default)?.id ?? state.models[0]!.id;
  return (
    <select
      class="model-picker"
      data-testid="model-picker"
      aria-label="Model"
      value={current}
      disabled={store.isStreaming(state)}
      onChange={(e) => void store.chooseModel(e.currentTarget.value)}
    >
      {state.models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.displayName}
        </option>
      ))}
    </select>
  );
}

/**
 * Custom instructions: the open conversation's own (they replace the default system prompt) and the user's default for
 * new conversations. Both at most 4 KiB, as the API checks.
 */
export function InstructionsButton({ store, state }: { store: ChatStore; state: ChatState }) {
  const [open, setOpen] = useState(false);
  const [own, setOwn] = useState('');
  const [mine, setMine] = useState('');
  const [loadedMine, setLoadedMine] = useState<string | null>(null);

  // The user's default is read before the dialog opens: text typed while it loaded would be overwritten, and a Save
  // before it arrived could not tell a change from the stored value.
  const show = async () => {
    let stored: string | null;
    try {
      stored = (await store.loadSettings()).instructions ?? '';
    } catch {
      stored = null;
    }
    setOwn(state.currentInstructions ?? '');
    setMine(stored ?? '');
    setLoadedMine(stored);
    setOpen(true);
  };

  return (
    <>
      <button type="button" class="button secondary small" data-testid="instructions-button" onClick={() => void show()}>
        Instructions
      </button>
      {open ? (
        <ConfirmDialog
          open
          tone="primary"
          testId="instructions-dialog"
          title="Custom instructions"
          confirmLabel="Save"
          onCancel={() => setOpen(false)}
          onConfirm={async () => {
            const saved =
              (state.currentId === null || own.trim() === (state.currentInstructions ?? '') || (await store.setInstructions(own))) &&
              (loadedMine === null || mine.trim() === loadedMine || (await store.saveSettings({ instructions: mine.trim() || null })));
            if (saved) {
              setOpen(false);
            }
          }}
        >
          {state.currentId !== null ? (
            <label class="field">
              <span>For this conversation (replaces the default prompt)</span>
              <textarea data-testid="conversation-instructions" maxLength={4096} value={own} onInput={(e) => setOwn(e.currentTarget.value)} />
            </label>
          ) : null}
          <label class="field">
            <span>Your default for new conversations</span>
            <textarea
              data-testid="user-instructions"
              maxLength={4096}
              value={mine}
              disabled={loadedMine === null}
              placeholder={loadedMine === null ? 'Your default could not be loaded; try again later.' : undefined}
              onInput={(e) => setMine(e.currentTarget.value)}
            />
          </label>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
