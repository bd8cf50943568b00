import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import { LocalAuth } from '../auth/local';
import type { Auth } from '../auth/types';
import { ChatStore } from '../state/chat-store';
import { ControlledStream, conversation, FakeAuth, FakeServer, json, message, problem, type RecordedRequest } from '../test/fake-api';
import { App } from './App';

function renderApp(server: FakeServer, auth: Auth = new FakeAuth(), maxMessageBytes?: number) {
  const api = new ApiClient('/api', auth, server.fetch);
  const store = new ChatStore({
    api,
    maxMessageBytes,
    navigate: (hash) => {
      if (location.hash !== hash) {
        location.hash = hash;
      }
    },
    onUnauthorized: () => void auth.signIn(location.hash),
  });
  const view = render(<App store={store} auth={auth} />);
  return { store, auth, view };
}

function input(): HTMLTextAreaElement {
  return screen.getByLabelText('Message') as HTMLTextAreaElement;
}

function type(text: string): void {
  fireEvent.input(input(), { target: { value: text } });
}

function pressEnter(shiftKey = false): void {
  fireEvent.keyDown(input(), { key: 'Enter', shiftKey });
}

/** A server with one conversation "c1" and a streaming message endpoint the test drives. */
function serverWithStream() {
  const server = new FakeServer();
  const streams: ControlledStream[] = [];
  const sends: RecordedRequest[] = [];
  server
    .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'First chat')], nextCursor: null }))
    .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'First chat', [message('m1', 'user', 'Earlier question'), message('m2', 'assistant', 'Earlier **answer**')])))
    .on('POST', /\/api\/conversations$/, () => json(conversation('c2', null), 201))
    .on('POST', /\/api\/conversations\/c\d\/(messages|regenerate)$/, (request) => {
      sends.push(request);
      const stream = new ControlledStream(request.signal);
      streams.push(stream);
      return stream.response;
    });
  return { server, streams, sends };
}

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/');
});

afterEach(() => {
  cleanup();
});

describe('App', () => {
  it('lists conversations and opens one from the list', async () => {
    const { server } = serverWithStream();
    renderApp(server);

    const item = await screen.findByTestId('conversation-item');
    expect(within(item).getByRole('link').textContent).toContain('First chat');

    location.hash = '#/c/c1';
    const answer = await screen.findByTestId('assistant-message');
    expect(answer.dataset.status).toBe('complete');
    expect(answer.querySelector('strong')?.textContent).toBe('answer');
    expect(screen.getByTestId('conversation-title').textContent).toBe('First chat');
  });

  it('pages the list with Load more', async () => {
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, (request) =>
      request.url.includes('cursor=page2')
        ? json({ items: [conversation('old', 'Older chat')], nextCursor: null })
        : json({ items: [conversation('new', 'Newer chat')], nextCursor: 'page2' }),
    );
    renderApp(server);

    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));

    await waitFor(() => expect(screen.getAllByTestId('conversation-item')).toHaveLength(2));
    expect(screen.getAllByTestId('conversation-item').map((i) => i.textContent)).toEqual(['Newer chat', 'Older chat'].map((t) => expect.stringContaining(t)) as unknown as string[]);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('creates a conversation on the first message and streams the answer token by token', async () => {
    const { server, streams, sends } = serverWithStream();
    renderApp(server);

    type('Hello there');
    pressEnter();

    await waitFor(() => expect(streams).toHaveLength(1));
    expect(location.hash).toBe('#/c/c2');
    expect(sends[0]!.body).toMatchObject({ content: 'Hello there' });
    expect(input().value).toBe('');
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();

    const stream = streams[0]!;
    stream.send('user', message('u1', 'user', 'Hello there'));
    stream.send('delta', { text: 'Hi' });
    await waitFor(() => expect(screen.getByTestId('assistant-message').textContent).toContain('Hi'));
    expect(screen.getByTestId('assistant-message').dataset.status).toBe('streaming');
    stream.send('delta', { text: ', how can I help?' });
    await waitFor(() => expect(screen.getByTestId('assistant-message').textContent).toContain('Hi, how can I help?'));

    // The server's title, which the done event carries, is the one shown (the client makes none of its own).
    const { messages: _none, ...summary } = conversation('c2', 'Greeting from the server');
    stream.send('done', { ...message('a1', 'assistant', 'Hi, how can I help?'), conversation: summary });

    await waitFor(() => expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy());
    expect(screen.getByTestId('assistant-message').dataset.status).toBe('complete');
    expect(screen.getByRole('button', { name: 'Regenerate answer' })).toBeTruthy();
    expect(screen.getByTestId('announcer').textContent).toBe('Answer complete.');
    expect(screen.getAllByTestId('conversation-item').map((i) => i.textContent)).toContain('Greeting from the server');
    expect(screen.getByTestId('conversation-title').textContent).toBe('Greeting from the server');
  });

  it('stops an answer and marks it stopped', async () => {
    const { server, streams, sends } = serverWithStream();
    location.hash = '#/c/c1';
    renderApp(server);
    await screen.findByText('Earlier question');

    type('Tell me a long story');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.send('user', message('u2', 'user', 'Tell me a long story'));
    streams[0]!.send('delta', { text: 'Once upon' });
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]!.textContent).toContain('Once upon'));

    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));

    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]!.dataset.status).toBe('stopped'));
    expect(sends[0]!.signal?.aborted).toBe(true);
    expect(screen.getByTestId('message-flag').textContent).toBe('Stopped');
    expect(screen.getAllByTestId('assistant-message')[1]!.textContent).toContain('Once upon');
  });

  it('marks an answer failed when the model fails, and retries by regenerating', async () => {
    const { server, streams, sends } = serverWithStream();
    location.hash = '#/c/c1';
    renderApp(server);
    await screen.findByText('Earlier question');

    type('Question');
    pressEnter();
    await waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.send('user', message('u2', 'user', 'Question'));
    streams[0]!.send('delta', { text: 'Part' });
    streams[0]!.send('error', { title: 'Model failed', detail: 'The model stopped responding.', status: 502 });
    streams[0]!.close();

    const alert = await screen.findByTestId('chat-error');
    expect(alert.textContent).toContain('The model stopped responding.');
    const failed = screen.getAllByTestId('assistant-message')[1]!;
    expect(failed.dataset.status).toBe('failed');
    expect(within(failed).getByTestId('message-flag').textContent).toContain('The model stopped responding.');

    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(sends).toHaveLength(2));
    // Retry regenerates on the server: the failed answer is replaced, the question is not sent again.
    expect(sends[1]!.url).toBe('/api/conversations/c1/regenerate');
    expect(sends[1]!.body).toBeUndefined();
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')).toHaveLength(2));
    streams[1]!.send('user', message('u2', 'user', 'Question'));
    streams[1]!.send('done', message('a3', 'assistant', 'Better'));
    streams[1]!.close();
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]!.textContent).toContain('Better'));
    expect(screen.getAllByTestId('user-message').filter((m) => m.textContent?.includes('Question'))).toHaveLength(1);
  });

  it('shows the size left near the limit and disables Send above it', async () => {
    const { server } = serverWithStream();
    renderApp(server, new FakeAuth(), 100);
    await screen.findByText('First chat');

    type('a'.repeat(70));
    expect(screen.queryByTestId('composer-size')).toBeNull();
    type('a'.repeat(81));
    expect(screen.getByTestId('composer-size').textContent).toBe('19 bytes left');
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(false);
    type('👍'.repeat(26));
    expect(screen.getByTestId('composer-size').textContent).toContain('Too long by 4 bytes');
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('leaves no empty conversation behind when the first message of a new chat is refused', async () => {
    const { server } = serverWithStream();
    const deleted: string[] = [];
    server
      .on('POST', /\/api\/conversations\/c2\/messages$/, () =>
        problem(422, 'The message does not fit the model.', 'The newest message and the system prompt need 900 tokens, but only 448 fit.'),
      )
      .on('DELETE', /\/api\/conversations\/c2$/, () => {
        deleted.push('c2');
        return new Response(null, { status: 204 });
      });
    renderApp(server);
    await screen.findByText('First chat');

    type('A very long question');
    pressEnter();

    const alert = await screen.findByTestId('chat-error');
    expect(alert.textContent).toContain('need 900 tokens, but only 448 fit');
    expect(deleted).toEqual(['c2']);
    expect(location.hash).toBe('#/');
    expect(screen.getByTestId('conversation-title').textContent).toBe('New chat');
    expect((screen.getByTestId('message-input') as HTMLTextAreaElement).value).toBe('A very long question');
  });

  it('keeps the text of a failed send and retries it with the same clientMessageId', async () => {
    const { server, streams, sends } = serverWithStream();
    let fail = true;
    server.on('POST', /\/api\/conversations\/c1\/messages$/, (request) => {
      sends.push(request);
      if (fail) {
        return problem(503, 'Service Unavailable', 'The model is starting up.');
      }
      const stream = new ControlledStream(request.signal);
      streams.push(stream);
      return stream.response;
    });
    location.hash = '#/c/c1';
    renderApp(server);
    await screen.findByText('Earlier question');

    type('Important question');
    pressEnter();

    const alert = await screen.findByTestId('chat-error');
    expect(alert.textContent).toContain('The model is starting up.');
    expect(input().value).toBe('Important question');
    expect(screen.getAllByTestId('user-message')).toHaveLength(1);

    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(streams).toHaveLength(1));
    expect((sends[1]!.body as { clientMessageId: string }).clientMessageId).toBe((sends[0]!.body as { clientMessageId: string }).clientMessageId);
    await waitFor(() => expect(input().value).toBe(''));
  });

  it('shows a network error with Retry when the list cannot load', async () => {
    let down = true;
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, () => (down ? Promise.reject(new TypeError('Failed to fetch')) : json({ items: [conversation('c1', 'Back')], nextCursor: null })));
    renderApp(server);

    const alert = await screen.findByTestId('list-error');
    expect(alert.textContent).toContain('Check your connection');
    down = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect((await screen.findByTestId('conversation-item')).textContent).toContain('Back');
  });

  it('Shift+Enter does not send; Enter does', async () => {
    const { server, streams } = serverWithStream();
    location.hash = '#/c/c1';
    renderApp(server);
    await screen.findByText('Earlier question');

    type('line one');
    pressEnter(true);
    expect(streams).toHaveLength(0);
    pressEnter();
    await waitFor(() => expect(streams).toHaveLength(1));
  });

  it('renames a conversation inline', async () => {
    const { server } = serverWithStream();
    let renamed: unknown;
    server.on('PATCH', /\/api\/conversations\/c1$/, (request) => {
      renamed = request.body;
      return json(conversation('c1', 'Renamed'));
    });
    renderApp(server);

    fireEvent.click(await screen.findByRole('button', { name: 'Rename First chat' }));
    const field = screen.getByLabelText('Conversation title') as HTMLInputElement;
    fireEvent.input(field, { target: { value: 'Renamed' } });
    fireEvent.submit(field.form!);

    await waitFor(() => expect(screen.getByTestId('conversation-item').textContent).toContain('Renamed'));
    expect(renamed).toEqual({ title: 'Renamed' });
  });

  it('deletes a conversation only after confirmation', async () => {
    const { server } = serverWithStream();
    let deleted = 0;
    server.on('DELETE', /\/api\/conversations\/c1$/, () => {
      deleted++;
      return new Response(null, { status: 204 });
    });
    location.hash = '#/c/c1';
    renderApp(server);
    await screen.findByText('Earlier question');

    fireEvent.click(screen.getByRole('button', { name: 'Delete First chat' }));
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(deleted).toBe(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete First chat' }));
    expect(screen.getByTestId('confirm-dialog').textContent).toContain('First chat');
    fireEvent.click(screen.getByTestId('confirm-delete'));

    await waitFor(() => expect(screen.queryByTestId('conversation-item')).toBeNull());
    expect(deleted).toBe(1);
    await waitFor(() => expect(location.hash).toBe('#/'));
  });

  it('switches the local development user and reloads the list as that user', async () => {
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, (request) =>
      json({ items: [conversation(`c-${request.headers['X-ChatBot-User']}`, `Chat of ${request.headers['X-ChatBot-User']}`)], nextCursor: null }),
    );
    renderApp(server, new LocalAuth());

    expect((await screen.findByTestId('conversation-item')).textContent).toContain('Chat of local');
    expect(screen.getByTestId('local-badge').textContent).toBe('local');

    const switcher = screen.getByLabelText('Development user') as HTMLInputElement;
    fireEvent.input(switcher, { target: { value: 'alice' } });
    fireEvent.submit(switcher.form!);

    await waitFor(() => expect(screen.getByTestId('conversation-item').textContent).toContain('Chat of alice'));
    expect(sessionStorage.getItem('chatbot.devUser')).toBe('alice');
  });
});

describe('the local user switcher', () => {
  it("accepts any name the server's rule accepts, such as alice+test", async () => {
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, (request) =>
      json({ items: [conversation(`c-${request.headers['X-ChatBot-User']}`, `Chat of ${request.headers['X-ChatBot-User']}`)], nextCursor: null }),
    );
    renderApp(server, new LocalAuth());
    await screen.findByTestId('conversation-item');

    const switcher = screen.getByLabelText('Development user') as HTMLInputElement;
    fireEvent.input(switcher, { target: { value: 'alice+test' } });
    fireEvent.submit(switcher.form!);

    await waitFor(() => expect(screen.getByTestId('conversation-item').textContent).toContain('Chat of alice+test'));
  });

  it("refuses a name outside the server's rule, in the rule's own words", async () => {
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, () => json({ items: [], nextCursor: null }));
    renderApp(server, new LocalAuth({ pattern: /^[a-z]{1,8}$/, description: '1–8 small letters' }));

    const switcher = screen.getByLabelText('Development user') as HTMLInputElement;
    fireEvent.input(switcher, { target: { value: 'alice+test' } });
    fireEvent.submit(switcher.form!);

    expect((await screen.findByText(/Use 1–8 small letters/)).textContent).toBe('Use 1–8 small letters.');
    expect(sessionStorage.getItem('chatbot.devUser')).toBeNull();
  });

  it("shows the server's reason when it refuses the user, instead of loading forever", async () => {
    const server = new FakeServer();
    server.on('GET', /\/api\/conversations\?/, () =>
      problem(401, 'Sign-in required.', 'The X-ChatBot-User header names a user id the API does not accept.'),
    );
    renderApp(server, new LocalAuth());

    expect(await screen.findByText(/names a user id the API does not accept/)).toBeTruthy();
    expect(screen.queryByText('Loading conversations…')).toBeNull();
  });
});

describe('a 401 from the API', () => {
  it('sends the user to sign in again and gives the unsent message back afterwards', async () => {
    const server = new FakeServer();
    server
      .on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'First chat')], nextCursor: null }))
      .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'First chat', [])))
      .on('POST', /\/api\/conversations\/c1\/messages$/, () => problem(401, 'Unauthorized', 'The token has expired.'));
    location.hash = '#/c/c1';
    const auth = new FakeAuth();
    renderApp(server, auth);
    await screen.findByTestId('conversation-item');

    type('A long message I do not want to type again');
    pressEnter();

    await waitFor(() => expect(auth.signIns).toEqual(['#/c/c1']));
    // No error banner: the page is on its way to the sign-in page.
    expect(screen.queryByTestId('chat-error')).toBeNull();
    expect(sessionStorage.getItem('chatbot.draft.c1')).toBe('A long message I do not want to type again');

    // Back from the sign-in page: a fresh page load with the same sessionStorage and return hash.
    cleanup();
    const ok = new FakeServer();
    ok.on('GET', /\/api\/conversations\?/, () => json({ items: [conversation('c1', 'First chat')], nextCursor: null }))
      .on('GET', /\/api\/conversations\/c1$/, () => json(conversation('c1', 'First chat', [])));
    renderApp(ok, new FakeAuth());

    await waitFor(() => expect(input().value).toBe('A long message I do not want to type again'));
  });

  it('keeps text being typed when another request finds the session expired', async () => {
    const server = new FakeServer();
    let expired = false;
    server.on('GET', /\/api\/conversations\?/, () => (expired ? problem(401, 'Unauthorized') : json({ items: [], nextCursor: null })));
    const auth = new FakeAuth();
    const { store } = renderApp(server, auth);
    await screen.findByText('No conversations yet.');

    type('Half-typed thought');
    expired = true;
    await store.loadConversations();

    expect(auth.signIns).toEqual(['']);
    expect(sessionStorage.getItem('chatbot.draft.new')).toBe('Half-typed thought');
    cleanup();
    renderApp(new FakeServer().on('GET', /conversations/, () => json({ items: [], nextCursor: null })));
    expect(input().value).toBe('Half-typed thought');
  });

  it('on the new-chat page keeps the message when creating the conversation is refused', async () => {
    const server = new FakeServer();
    server
      .on('GET', /\/api\/conversations\?/, () => json({ items: [], nextCursor: null }))
      .on('POST', /\/api\/conversations$/, () => problem(401, 'Unauthorized'));
    const auth = new FakeAuth();
    renderApp(server, auth);
    await screen.findByText('No conversations yet.');

    type('First question');
    pressEnter();

    await waitFor(() => expect(auth.signIns).toHaveLength(1));
    expect(sessionStorage.getItem('chatbot.draft.new')).toBe('First question');
    expect(input().value).toBe('First question');
  });
});
