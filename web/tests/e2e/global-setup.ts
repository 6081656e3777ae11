// One platform for the whole browser run: `python -m devstack.isolated` (fresh vhost,
// in-memory store, the demo data), the gateway serving the built console. Torn down after.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const root = path.resolve(web, '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export default async function globalSetup() {
  if (process.env.CONSOLE_URL) return undefined // a platform someone already runs
  if (!existsSync(path.join(web, 'dist', 'index.html'))) throw new Error('web/dist is not built: run `npm run build` in web/ first (make test does)')
  const python = process.env.GONGZHI_PYTHON ?? (existsSync(path.join(root, '.venv/bin/python')) ? path.join(root, '.venv/bin/python') : 'python3')
  const port = await freePort()
  const child = spawn(python, ['-m', 'devstack.isolated'], {
    cwd: root, env: { ...process.env, GONGZHI_HTTP_PORT: String(port) }, stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform was not ready within 120 s:\n${output}`)), 120_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const ready = output.match(/READY (http:\/\/\S+)/)
      if (ready) { clearTimeout(timer); resolve(ready[1]) }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the platform exited (${code}):\n${output}`)) })
  })
  child.removeAllListeners('exit')
  process.env.CONSOLE_URL = url
  console.log(`platform for the browser tests: ${url}`)
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}
