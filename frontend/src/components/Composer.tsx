import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { loadDraft, saveDraft } from '../state/drafts';
import { SendIcon, StopIcon } from './Icons';

interface ComposerProps {
  /** Which draft the text belongs to: the conversation id, or "new". */
  draftKey: string;
  streaming: boolean;
  disabled?: boolean;
  restoredDraft: { key: string; text: string; seq: number } | null;
  /** The largest message the API accepts, in UTF-8 bytes. */
  maxBytes: number;
  onSend: (text: string) => void;
  onStop: () => void;
}

const MaxHeight = 240;

/** The size shows once a message passes this share of the limit. */
const ShowSizeFrom = 0.8;

const utf8 = new TextEncoder();

/**
 * The message box. Enter sends, Shift+Enter adds a line, and the box grows with its text. Every keystroke is kept as a
 * draft in sessionStorage, so a reload or a trip to the sign-in page loses nothing.
 */
export function Composer({ draftKey, streaming, disabled = false, restoredDraft, maxBytes, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState(() => loadDraft(draftKey));
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setText(loadDraft(draftKey));
    // On a phone, focusing would pop up the keyboard over the conversation the user just opened.
    if (!matchesCoarsePointer()) {
      area.current?.focus();
    }
  }, [draftKey]);

  // A send that failed hands its text back; a retry that succeeds takes it away again (an empty restore), but only
  // if the user has not edited it meanwhile.
  const lastRestored = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!restoredDraft || restoredDraft.key !== draftKey) {
      return;
    }
    const restored = restoredDraft.text;
    setText((current) => {
      if (restored === '') {
        return current === lastRestored.current ? '' : current;
      }
      return current.trim() ? current : restored;
    });
    lastRestored.current = restored || null;
  }, [restoredDraft?.seq]);

  useLayoutEffect(() => {
    const el = area.current;
    if (el) {
      el.style.height = 'auto';
      el.style.height = `${Math.min(el.scrollHeight, MaxHeight)}px`;
      el.style.overflowY = el.scrollHeight > MaxHeight ? 'auto' : 'hidden';
    }
  }, [text]);

  // The API counts UTF-8 bytes, so an emoji costs four and the box counts the same way.
  const bytes = text.length * 3 < maxBytes * ShowSizeFrom ? text.length : utf8.encode(text).length;
  const tooLong = bytes > maxBytes;
  const showSize = bytes >= maxBytes * ShowSizeFrom;
  const canSend = text.trim().length > 0 && !tooLong && !streaming && !disabled;

  const submit = () => {
    if (!canSend) {
      return;
    }
    onSend(text);
    setText('');
    saveDraft(draftKey, '');
  };

  return (
    <>
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="message-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="message-input"
        ref={area}
        data-testid="message-input"
        rows={1}
        placeholder="Message ChatBot"
        value={text}
        disabled={disabled}
        aria-describedby={showSize ? 'composer-hint composer-size' : 'composer-hint'}
        aria-invalid={tooLong ? 'true' : undefined}
        onInput={(e) => {
          const value = e.currentTarget.value;
          setText(value);
          saveDraft(draftKey, value);
        }}
        onKeyDown={(e) => {
          // While an IME composes (Japanese, Chinese…), Enter confirms the composition rather than sending.
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
            e.preventDefault();
            submit();
          }
        }}
      />
      {streaming ? (
        <button type="button" class="send-button stop" aria-label="Stop" title="Stop the answer" data-testid="stop-button" onClick={onStop}>
          <StopIcon />
        </button>
      ) : (
        <button type="submit" class="send-button" aria-label="Send" title="Send (Enter)" data-testid="send-button" disabled={!canSend}>
          <SendIcon />
        </button>
      )}
      <p id="composer-hint" class="visually-hidden">
        Enter sends. Shift and Enter adds a new line.
      </p>
    </form>
      {showSize ? (
        <p id="composer-size" class={tooLong ? 'composer-size over' : 'composer-size'} data-testid="composer-size" aria-live="polite">
          {tooLong
            ? `Too long by ${formatBytes(bytes - maxBytes)}: shorten the message to send it.`
            : `${formatBytes(maxBytes - bytes)} left`}
        </p>
      ) : null}
    </>
  );
}

function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString('en')} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

function matchesCoarsePointer(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}
