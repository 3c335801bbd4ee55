import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` proxies the API (and the dev OIDC issuer) to a running
// `faas dev` server: FAAS_DEV_URL=http://127.0.0.1:PORT npm run dev
const target = process.env.FAAS_DEV_URL || 'http://127.0.0.1:8080'
const root = fileURLToPath(new URL('.', import.meta.url))

// The inputs of the build. Their hash goes into dist/.source-hash so that
// `go test` (web_test.go, same algorithm) notices a dist/ that was not
// rebuilt after a change, without needing Node.
const SOURCES = ['index.html', 'vite.config.js', 'package.json', 'package-lock.json', 'src', 'public']

function files(rel) {
  const abs = join(root, rel)
  try {
    return readdirSync(abs, { withFileTypes: true })
      .flatMap((e) => files(`${rel}/${e.name}`))
  } catch (e) {
    if (e.code === 'ENOTDIR') return [rel]
    throw e
  }
}

export function sourceHash() {
  const h = createHash('sha256')
  for (const f of SOURCES.flatMap(files).sort()) {
    // Line endings are normalised so a CRLF checkout hashes the same.
    const body = Buffer.from(readFileSync(join(root, f)).toString('latin1').replace(/\r\n/g, '\n'), 'latin1')
    h.update(`${f}\n${body.length}\n`)
    h.update(body)
  }
  return h.digest('hex')
}

const writeSourceHash = {
  name: 'source-hash',
  apply: 'build',
  writeBundle(options) {
    writeFileSync(join(options.dir, '.source-hash'), `sha256:${sourceHash()}\n`)
  },
}

export default defineConfig({
  plugins: [vue(), writeSourceHash],
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
