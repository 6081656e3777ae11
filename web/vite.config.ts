/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Element Plus components are imported where a template uses them (with their CSS), so the
// sign-in page does not carry the whole kit; ECharts only rides with the dashboard's chunk.
export default defineConfig({
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver()], dts: false })],
  server: {
    // `npm run dev` against `make run`'s gateway: one origin for the browser, as in production.
    proxy: { '/v1': 'http://127.0.0.1:8000', '/openapi.json': 'http://127.0.0.1:8000' },
  },
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 900 },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.spec.ts'],
    server: { deps: { inline: ['element-plus'] } },
  },
})
