import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The console is static files under dist/console, served by Quarry itself at `/`.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    // Browsers load a few small files: no source maps in the served folder.
    sourcemap: false,
    reportCompressedSize: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:3000', ws: true }, '/metrics': 'http://127.0.0.1:3000' },
  },
});
