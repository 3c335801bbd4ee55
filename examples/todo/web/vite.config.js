import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` proxies the API (and the dev OIDC issuer) to a running
// `faas dev` server: FAAS_DEV_URL=http://127.0.0.1:PORT npm run dev
const target = process.env.FAAS_DEV_URL || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    emptyOutDir: true,
    // One JS and one CSS file; the app is small.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': target,
      '/_faas': target,
    },
  },
})
