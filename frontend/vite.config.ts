import { defineConfig } from 'vitest/config';

// This file runs in Node; the project's types are the browser's.
declare const process: { env: Record<string, string | undefined> };

// The ChatBot API that `npm run dev` proxies to (the backend's default local address).
const backend = process.env.CHATBOT_BACKEND ?? 'http://127.0.0.1:5080';

export default defineConfig({
  // Preact's automatic JSX runtime through esbuild: no Babel plugin needed.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    target: 'es2022',
    // The backend serves dist/ as is; keep the output small and predictable.
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': backend,
      '/config.json': backend,
    },
  },
  test: {
    // jsdom, not happy-dom: under happy-dom DOMPurify leaves onerror attributes in place, so sanitisation tests
    // would test the fake DOM rather than the sanitiser.
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
