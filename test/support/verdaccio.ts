// Real Verdaccio servers for the tests: a child process on a free loopback port, temporary
// storage, no uplinks (the network is never needed), scoped packages private to logged-in users.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './sandbox.js'

export interface VerdaccioUser {
  name: string
  password: string
  token: string
}

export interface VerdaccioInfo {
  /** http://127.0.0.1:PORT/ */
  url: string
  version: string
  users: Record<string, VerdaccioUser>
  storage: string
}

export interface RunningVerdaccio extends VerdaccioInfo {
  close(): Promise<void>
}

/** Where each line is installed (the next line apart: see test/verdaccio-next/package.json). */
const lines = {
  stable: join(repoRoot, 'node_modules', 'verdaccio'),
  next: join(repoRoot, 'test', 'verdaccio-next', 'node_modules', 'verdaccio'),
} as const

/** Install the next line into its own folder once (npm ci from its lock file). */
export function ensureNextLineInstalled(): void {
  const folder = join(repoRoot, 'test', 'verdaccio-next')
  if (existsSync(join(lines.next, 'package.json'))) return
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: folder, stdio: 'inherit' })
  if (res.status !== 0) throw new Error(`npm ci in ${folder} failed (${res.status})`)
}

export const userNames = ['alice', 'bob', 'carol'] as const

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function configYaml(dir: string, line: keyof typeof lines): string {
  return `storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 1000
    # Verdaccio's legacy tokens carry the password, checked with bcrypt on every request:
    # the default 10 rounds cost ~80 ms a request, 4 rounds ~1 ms (the same work, cheaper)
    algorithm: bcrypt
    rounds: 4
uplinks: {}
packages:
  # one user's scope: another logged-in user is refused (403), as a registry with permissions does
  '@locked/*':
    access: alice
    publish: alice
    unpublish: alice
  '@*/*':
    access: $authenticated
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $authenticated
    publish: $authenticated
    unpublish: $authenticated
web:
  enable: false
server:
  keepAliveTimeout: 5
max_body_size: 50mb
${line === 'next' ? '# only owners (npm owner) may publish new versions: the line that has npm owner enforces it\npublish:\n  check_owners: true\n' : ''}log: { type: stdout, format: json, level: error }
`
}

async function waitForPing(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited with ${child.exitCode}; see ${log}`)
    try {
      const res = await fetch(`${url}-/ping`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`Verdaccio did not answer ${url}-/ping within 30 s; see ${log}`)
}

/**
 * Create a user the way `npm adduser` does, and get its token. A connection that drops before the
 * answer (fetch's "terminated", seen once on a loaded machine just after start-up) is tried again:
 * the same name and password a second time are a login, with a token all the same.
 */
async function addUser(url: string, name: string): Promise<VerdaccioUser> {
  const password = `pw-${name}-${Math.random().toString(36).slice(2, 10)}`
  const put = () =>
    fetch(`${url}-/user/org.couchdb.user:${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
    }).then(async (res) => ({ res, body: (await res.json()) as { token?: string } }))
  const { res, body } = await put().catch(async (err: unknown) => {
    if (!(err instanceof TypeError)) throw err
    await new Promise((r) => setTimeout(r, 200))
    return put()
  })
  if (!res.ok || !body.token) throw new Error(`adding ${name} to Verdaccio failed: ${res.status} ${JSON.stringify(body)}`)
  return { name, password, token: body.token }
}

export interface VerdaccioOptions {
  /** the folder to make its temporary folder in (default: the system's) */
  parent?: string
  /** the users to create (default: alice, bob and carol) */
  users?: readonly string[]
}

export async function startVerdaccio(line: keyof typeof lines, opts: VerdaccioOptions = {}): Promise<RunningVerdaccio> {
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), `pkgs-verdaccio-${line}-`))
  const configPath = join(dir, 'config.yaml')
  writeFileSync(configPath, configYaml(dir, line))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const packageDir = lines[line]
  const { version } = (await import(join(packageDir, 'package.json'), { with: { type: 'json' } })).default as { version: string }
  const log = join(dir, 'verdaccio.log')
  const out = openSync(log, 'a')
  const child = spawn(process.execPath, [join(packageDir, 'bin', 'verdaccio'), '--config', configPath, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', out, out],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  closeSync(out)
  // if the test run ends without calling close (a crash, process.exit), take the server with it
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  try {
    await waitForPing(url, child, log)
    // one at a time: Verdaccio's htpasswd plugin loses users added concurrently
    const users: Record<string, VerdaccioUser> = {}
    for (const name of opts.users ?? userNames) users[name] = await addUser(url, name)
    return {
      url,
      version,
      users,
      storage: join(dir, 'storage'),
      close: async () => {
        process.off('exit', killOnExit)
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGTERM')
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
          if (child.exitCode === null) child.kill('SIGKILL')
        }
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    process.off('exit', killOnExit)
    child.kill('SIGKILL')
    throw err
  }
}
