// Every write to an .npmrc (scope set and unset, login, logout) and to package.json (init) is
// atomic and keeps what is not its own: killed half-way through writing, killed just before the
// rename, or with the rename failing, the old file is there, byte for byte, with its mode; an
// uninterrupted write keeps foreign content and the mode.
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, pkgsBin, run, type RunResult, type Sandbox } from './support/sandbox.js'

const hook = join(import.meta.dirname, 'support', 'interrupt-write.cjs')
let registry: NpmjsRegistry
const users = ['ann', 'lou1', 'lou2', 'lou3', 'lou4'].map((name) => ({ name, password: `${name}-pw` }))

beforeAll(async () => {
  registry = await startNpmjsRegistry({ users })
})
afterAll(() => registry?.close())

const foreignNpmrc = (extra = '') =>
  `# my settings, keep them\r\n; another comment\r\n@other:registry=https://npm.other.example/\r\n//npm.other.example/:_authToken=\${OTHER_TOKEN}\r\n  strict-ssl = true  \r\n${extra}`
const foreignPackage = `{\n\t"version": "3.1.4",\n\t"name": "@acme/widgets",\n\t"x-vendor": { "keep": [1, 2, 3] },\n\t"scripts": { "test": "node -e 0" }\n}\n`

interface Writer {
  name: string
  /** the file it writes */
  file(s: Sandbox): string
  /** what the file holds before, and its mode */
  before(s: Sandbox): { text: string; mode: number }
  args: string[]
  input?: string
  /** after an uninterrupted run: what must be in the file (besides the foreign content) */
  written: (text: string) => void
  keeps: string[]
  /** the mode after a write, when it is not kept: a file that holds a token line is made 600 */
  modeAfter?: number
}

const writers: Writer[] = [
  {
    name: 'scope set (user .npmrc)',
    file: (s) => s.userconfig,
    before: () => ({ text: foreignNpmrc(`registry=${registry.url}\r\n`), mode: 0o640 }),
    args: ['scope', 'set', '@acme', '--registry', 'https://npm.acme.example/'],
    written: (t) => expect(t).toContain('@acme:registry=https://npm.acme.example/'),
    keeps: ['# my settings, keep them\r\n', '//npm.other.example/:_authToken=${OTHER_TOKEN}\r\n', '  strict-ssl = true  \r\n'],
    modeAfter: 0o600,
  },
  {
    name: 'scope unset (project .npmrc)',
    file: (s) => join(s.cwd, '.npmrc'),
    before: () => ({ text: foreignNpmrc('@acme:registry=https://npm.acme.example/\r\n'), mode: 0o644 }),
    args: ['scope', 'unset', '@acme', '--location', 'project'],
    written: (t) => expect(t).not.toContain('@acme:registry'),
    keeps: ['; another comment\r\n', '@other:registry=https://npm.other.example/\r\n'],
    modeAfter: 0o600,
  },
  {
    name: 'scope set (an .npmrc without tokens)',
    file: (s) => join(s.cwd, '.npmrc'),
    before: () => ({ text: '# project settings\nsave-exact=true\n', mode: 0o664 }),
    args: ['scope', 'set', '@acme', '--location', 'project'],
    written: (t) => expect(t).toContain('scope=@acme'),
    keeps: ['# project settings\nsave-exact=true\n'],
  },
  {
    name: 'login --token-stdin',
    file: (s) => s.userconfig,
    before: () => ({ text: foreignNpmrc(`registry=${registry.url}\r\n`), mode: 0o600 }),
    args: ['login', '--token-stdin'],
    input: 'TOKEN:ann',
    written: (t) => expect(t).toContain(`${nerfDart(registry.url)}:_authToken=${registry.tokens.ann}`),
    keeps: ['# my settings, keep them\r\n', '//npm.other.example/:_authToken=${OTHER_TOKEN}\r\n'],
  },
  {
    name: 'logout',
    file: (s) => s.userconfig,
    before: (s) => ({
      text: foreignNpmrc(`registry=${registry.url}\r\n${nerfDart(registry.url)}:_authToken=${registry.tokens[s.env.LOGOUT_USER!]}\r\n`),
      mode: 0o600,
    }),
    args: ['logout'],
    written: (t) => expect(t).not.toContain(`${nerfDart(registry.url)}:_authToken`),
    keeps: ['# my settings, keep them\r\n', '//npm.other.example/:_authToken=${OTHER_TOKEN}\r\n'],
  },
  {
    name: 'init (package.json)',
    file: (s) => join(s.cwd, 'package.json'),
    before: () => ({ text: foreignPackage, mode: 0o755 }),
    args: ['init', '--scope', '@acme', '--description', 'new words', '--yes'],
    written: (t) => expect(JSON.parse(t)).toMatchObject({ description: 'new words', version: '3.1.4', 'x-vendor': { keep: [1, 2, 3] } }),
    keeps: ['\t"version": "3.1.4",\n\t"name": "@acme/widgets",\n\t"x-vendor"'],
  },
]

const interruptions = ['kill-mid-write', 'kill-at-rename', 'rename-fails'] as const
let logouts = 0

function prepare(w: Writer): { sandbox: Sandbox; path: string; text: string; mode: number } {
  const sandbox = makeSandbox()
  if (w.name === 'logout') sandbox.env.LOGOUT_USER = `lou${++logouts}`
  const path = w.file(sandbox)
  const { text, mode } = w.before(sandbox)
  // the project .npmrc's writer needs a registry too, from the user one
  if (path !== sandbox.userconfig) writeFileSync(sandbox.userconfig, `registry=${registry.url}\n`)
  writeFileSync(path, text)
  chmodSync(path, mode)
  return { sandbox, path, text, mode }
}

function runWith(w: Writer, sandbox: Sandbox, interrupt?: string): Promise<RunResult> {
  const input = w.input?.replace('TOKEN:ann', registry.tokens.ann) ?? ''
  return run(process.execPath, ['--require', hook, pkgsBin, ...w.args], sandbox, { input, env: interrupt ? { PKGS_TEST_INTERRUPT: interrupt } : {} })
}

const modeOf = (path: string) => statSync(path).mode & 0o777

describe.concurrent('atomic writes of .npmrc and package.json', () => {
  it.each(writers.flatMap((w) => interruptions.map((how) => [`${w.name}, ${how}`, w, how] as const)))(
    '%s: the old file is intact, mode kept',
    async (_, w, how) => {
      const { sandbox, path, text, mode } = prepare(w)
      const res = await runWith(w, sandbox, `${how}:${basename(path)}`)
      if (how === 'rename-fails') {
        expect(res.code, res.stderr).toBe(1)
        expect(res.stderr).toMatch(/^error Cannot write .*(\.npmrc|package\.json).*EACCES/m)
        expect(res.stderr).not.toMatch(/^\s+at /m)
        // the temporary file is cleaned up
        expect(readdirSync(dirname(path)).filter((f) => f.startsWith(`${basename(path)}.`))).toEqual([])
      } else {
        // killed: no exit code, a signal
        expect(res.code, res.stderr).toBeNull()
      }
      expect(readFileSync(path, 'utf8')).toBe(text)
      expect(modeOf(path).toString(8)).toBe(mode.toString(8))
    },
  )

  it.each(writers.map((w) => [w.name, w] as const))('%s, uninterrupted: foreign content and mode kept', async (_, w) => {
    const { sandbox, path, mode } = prepare(w)
    const res = await runWith(w, sandbox)
    expect(res.code, res.stderr).toBe(0)
    const after = readFileSync(path, 'utf8')
    w.written(after)
    for (const kept of w.keeps) expect(after).toContain(kept)
    expect(modeOf(path).toString(8)).toBe((w.modeAfter ?? mode).toString(8))
  })
})
