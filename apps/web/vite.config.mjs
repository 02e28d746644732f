// The browser chat client. Built into dist/apps/web, which the edge (nginx) serves at `/`.
// `npx nx serve web` runs Vite's dev server and forwards the API and the socket to the
// edge of the local stack (`npm start`), so the page talks to the same public API.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const edge = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The server's own mention rule: a pure module of the contracts, without the rest of them.
    alias: {
      '@scale-chat/contracts/mentions': fileURLToPath(
        new URL('../../libs/contracts/src/mentions.ts', import.meta.url),
      ),
    },
  },
  build: {
    outDir: '../../dist/apps/web',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': edge,
      '/socket.io': { target: edge, ws: true },
    },
  },
});
