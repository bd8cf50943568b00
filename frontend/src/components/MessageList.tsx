import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ModelInfo, Rating } from '../api/types';
import type { UiMessage } from '../state/chat-store';
import { ArrowDownIcon } from './Icons';
import { MessageView } from './MessageView';

interface MessageListProps {
  conversationKey: string;
  messages: UiMessage[];
  streaming: boolean;
  onRegenerate: () => void;
  onContinue?: () => void;
  onEdit?: (messageId: string, content: string) => void;
  onFeedback?: (messageId: string, rating: Rating | null, comment?: string) => void;
  /** For the model names shown under answers. */
  models?: ModelInfo[];
}

/** How close to the bottom still counts as "at the bottom" (a partly visible last line). */
const StickThreshold = 64;

/**
 * The transcript. It follows a streaming answer while the reader is at the bottom, and stays put once they scroll up
 * to read something, offering a button back down instead.
 */
export function MessageList({ conversationKey, messages, streaming, onRegenerate, onContinue, onEdit, onFeedback, models = [] }: MessageListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [atBottom, setAtBottom] = useState(true);

  const scrollToBottom = () => {
    const el = ref.current;
    if (el) {
      el.scrollTop = el.scrollHeight;
    }
  };

  // A different conversation, or a question just sent: go to the bottom and follow again.
  const lastUserId = [...messages].reverse().find((m) => m.role === 'user')?.id;
  useLayoutEffect(() => {
    stick.current = true;
    setAtBottom(true);
    scrollToBottom();
  }, [conversationKey, lastUserId]);

  useLayoutEffect(() => {
    if (stick.current) {
      scrollToBottom();
    }
  }, [messages]);

  useEffect(() => {
    const el = ref.current;
    if (!el) {
      return;
    }
    const onScroll = () => {
      const near = el.scrollHeight - el.scrollTop - el.clientHeight <= StickThreshold;
      stick.current = near;
      setAtBottom(near);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  const last = messages[messages.length - 1];
  const canRegenerate = !streaming && last?.role === 'assistant' && last.status !== 'pending';

  return (
    <div class="messages-wrap">
      <div class="messages" ref={ref} data-testid="messages" tabIndex={-1}>
        <div class="messages-inner">
          {messages.map((message) => (
            <MessageView
              key={message.id}
              message={message}
              onRegenerate={canRegenerate && message === last ? onRegenerate : undefined}
              onContinue={canRegenerate && message === last ? onContinue : undefined}
              onEdit={!streaming && onEdit && message.id === lastUserId && !message.id.startsWith('local-') ? (text) => onEdit(message.id, text) : undefined}
              onFeedback={onFeedback && message.role === 'assistant' && message.status !== 'streaming' && !message.id.startsWith('answer-')
                ? (rating, comment) => onFeedback(message.id, rating, comment)
                : undefined}
              modelName={message.model ? (models.find((m) => m.id === message.model)?.displayName ?? message.model) : undefined}
            />
          ))}
        </div>
      </div>
      {!atBottom ? (
        <button
          type="button"
          class="jump-latest"
          data-testid="jump-latest"
          onClick={() => {
            stick.current = true;
            setAtBottom(true);
            ref.current?.scrollTo({ top: ref.current.scrollHeight, behavior: 'smooth' });
          }}
        >
          <ArrowDownIcon size={16} />
          <span>{streaming ? 'Follow answer' : 'Latest'}</span>
        </button>
      ) : null}
    </div>
  );
}
