// What a project that installs private packages needs, read from its files (given as text): the
// scoped dependencies it uses, the URLs its lockfile fetches them from, the registries its
// Dependabot configuration knows, and credentials kept for a registry under another spelling.
import { createRequire } from 'node:module'
import type { Config } from './config.js'

const require = createRequire(import.meta.url)

/** The dependency fields npm installs from (peerDependencies are installed too, since npm 7). */
const dependencyFields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']

/** The scoped packages a package.json depends on from a registry (not `file:`, `git+…`, `workspace:`, a URL or an alias). */
export function scopedDependencies(manifest: Record<string, unknown>): string[] {
  const names = new Set<string>()
  for (const field of dependencyFields) {
    const deps = manifest[field]
    if (!deps || typeof deps !== 'object') continue
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (!name.startsWith('@') || !name.includes('/')) continue
      // a registry spec is a range, a tag or empty; anything with ':' or '/' comes from elsewhere
      if (typeof spec === 'string' && /[:/]/.test(spec) && !spec.startsWith('npm:')) continue
      names.add(typeof spec === 'string' && spec.startsWith('npm:') ? spec.slice(4).replace(/(?<=.)@[^@]*$/, '') : name)
    }
  }
  return [...names].filter((n) => n.startsWith('@')).sort()
}

export type LockfileName = 'package-lock.json' | 'npm-shrinkwrap.json' | 'pnpm-lock.yaml' | 'yarn.lock'
export const lockfileNames: LockfileName[] = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']

/** A package in a lockfile and the URL it is fetched from (when the lockfile names one). */
export interface LockEntry {
  name: string
  resolved?: string
}

/** The packages a lockfile holds; a file that cannot be parsed throws (the caller names it). */
export function lockEntries(file: LockfileName, text: string): LockEntry[] {
  if (file === 'pnpm-lock.yaml') return pnpmEntries(text)
  if (file === 'yarn.lock') return yarnEntries(text)
  const lock = JSON.parse(text) as { packages?: Record<string, { name?: string; resolved?: string; link?: boolean }>; dependencies?: Record<string, unknown> }
  const entries: LockEntry[] = []
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const at = path.lastIndexOf('node_modules/')
    if (at < 0 || entry.link) continue
    entries.push({ name: entry.name ?? path.slice(at + 'node_modules/'.length), resolved: entry.resolved })
  }
  // lockfileVersion 1 (npm 6): a tree of dependencies, each with its resolved URL
  const walk = (deps: Record<string, unknown> | undefined) => {
    for (const [name, dep] of Object.entries(deps ?? {})) {
      const d = dep as { resolved?: string; dependencies?: Record<string, unknown> }
      entries.push({ name, resolved: d.resolved })
      walk(d.dependencies)
    }
  }
  if (!lock.packages) walk(lock.dependencies)
  return entries
}

/** pnpm-lock.yaml: `packages` keyed `/@s/n@1.0.0` (v6), `@s/n@1.0.0` (v9) or `/@s/n/1.0.0` (v5); a URL only in `resolution.tarball`. */
function pnpmEntries(text: string): LockEntry[] {
  const { parse } = require('yaml') as typeof import('yaml')
  const doc = parse(text) as { packages?: Record<string, { resolution?: { tarball?: string } } | null> } | null
  return Object.entries(doc?.packages ?? {}).map(([key, entry]) => {
    const path = key.replace(/^\//, '').replace(/\(.*$/, '')
    const m = /^(@[^/]+\/[^@/]+|[^@/]+)[@/]/.exec(path)
    return { name: m ? m[1] : path, resolved: entry?.resolution?.tarball }
  })
}

/**
 * yarn.lock v1 (`"@s/n@^1.0.0", "@s/n@^1.1.0":` then `  resolved "https://…"`). Read by hand:
 * only the names and the `resolved` field are needed, and @yarnpkg/lockfile, the parser yarn
 * published, has not been released since 2018. Yarn 2+ (`__metadata:`) records no URLs: nothing
 * to compare there.
 */
function yarnEntries(text: string): LockEntry[] {
  const entries: LockEntry[] = []
  let names: string[] = []
  for (const line of text.split(/\r?\n/)) {
    if (/^\S.*:$/.test(line) && !line.startsWith('#')) {
      names = [
        ...new Set(
          line
            .slice(0, -1)
            .split(/,\s*/)
            .map((spec) => spec.replace(/^"|"$/g, '').replace(/(?<=.)@[^@]*$/, '')),
        ),
      ]
      for (const name of names) entries.push({ name })
    } else {
      const resolved = /^\s+resolved\s+"?([^"\s]+)"?/.exec(line)?.[1]
      if (resolved) for (const entry of entries.slice(-names.length)) entry.resolved = resolved.replace(/#.*$/, '')
    }
  }
  return entries
}

/** `localhost`, `127.0.0.1` and `[::1]` name the same machine. */
function sameHost(a: URL, b: URL): boolean {
  const loopback = (h: string) => h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h)
  const port = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80')
  return (a.hostname === b.hostname || (loopback(a.hostname) && loopback(b.hostname))) && port(a) === port(b)
}

/**
 * Where a lockfile's URL points, against the registry its scope resolves to: under it; on the
 * same registry spelt otherwise (another name of the host, a path missing or added); elsewhere.
 */
export function compareToRegistry(url: string, registry: string): 'same' | 'other-spelling' | 'other' {
  let u: URL
  let r: URL
  try {
    u = new URL(url)
    r = new URL(registry)
  } catch {
    return 'other'
  }
  if (u.host === r.host && u.pathname.startsWith(r.pathname)) return 'same'
  return sameHost(u, r) ? 'other-spelling' : 'other'
}

/** The registry part of a tarball URL: everything before `/@s/n/-/` or `/n/-/`. */
export function registryOfTarball(url: string, name: string): string {
  const at = url.indexOf(`/${name}/-/`)
  const escaped = url.indexOf(`/${name.replace('/', '%2f')}/-/`)
  const cut = at >= 0 ? at : escaped
  return cut >= 0 ? url.slice(0, cut + 1) : new URL('/', url).href
}

/** npm rewrites registry.npmjs.org in lockfile URLs to the registry configured (its replace-registry-host, default "npmjs"). */
export function rewrittenByNpm(url: string): boolean {
  return /^https?:\/\/registry\.npmjs\.org\//.test(url)
}

/** A registry that credentials are kept for, as their key names it. */
export interface KeptCredentials {
  /** //host/path/ */
  nerfDart: string
  /** the full URL, its protocol taken from a setting that names the registry, else guessed */
  url: string
  key: string
}

/** Every registry some credentials are configured for (npm's keys `//host/path/:_authToken`, `:_auth`, `:username`). */
export function keptCredentials(config: Config): KeptCredentials[] {
  const urls = Object.values(config.flat)
    .concat(Object.keys(config.flat).map((k) => config.npm.get(k)))
    .filter((v): v is string => typeof v === 'string' && /^https?:\/\//.test(v))
  const found = new Map<string, KeptCredentials>()
  for (const key of Object.keys(config.flat)) {
    const m = /^(\/\/.+\/):(_authToken|_auth|username)$/.exec(key)
    if (!m || !config.flat[key] || found.has(m[1])) continue
    const named = urls.find((u) => u.replace(/^https?:/, '').replace(/\/*$/, '/') === m[1])
    const loopback = /^\/\/(localhost|127\.|\[::1\])/.test(m[1])
    found.set(m[1], { nerfDart: m[1], url: named ? named.replace(/\/*$/, '/') : `${loopback ? 'http' : 'https'}:${m[1]}`, key })
  }
  return [...found.values()]
}

/** Credentials kept for this registry under another spelling (npm uses none of them for it). */
export function otherSpellings(kept: KeptCredentials[], registry: string): KeptCredentials[] {
  return kept.filter((k) => compareToRegistry(registry, `${new URL(registry).protocol}${k.nerfDart}`) === 'other-spelling')
}

/** A Dependabot registry entry (`registries:` in .github/dependabot.yml). */
export interface DependabotRegistry {
  name: string
  type?: string
  url?: string
}

export interface DependabotConfig {
  registries: DependabotRegistry[]
  /** the registries each npm update entry may use (`"*"` for all); undefined: no npm entry */
  npmUpdates?: string[][]
}

export function parseDependabot(text: string): DependabotConfig {
  const { parse } = require('yaml') as typeof import('yaml')
  const doc = (parse(text) ?? {}) as {
    registries?: Record<string, { type?: string; url?: string }>
    updates?: { 'package-ecosystem'?: string; registries?: unknown }[]
  }
  const registries = Object.entries(doc.registries ?? {}).map(([name, r]) => ({ name, type: r?.type, url: r?.url }))
  const npm = (doc.updates ?? []).filter((u) => u?.['package-ecosystem'] === 'npm')
  const listed = (r: unknown) => (r === '*' ? ['*'] : Array.isArray(r) ? r.map(String) : [])
  return { registries, npmUpdates: npm.length ? npm.map((u) => listed(u.registries)) : undefined }
}

/** The entry for this registry: `npm-registry` with its URL (Dependabot matches by host and path). */
export function dependabotEntryFor(config: DependabotConfig, registry: string): DependabotRegistry | undefined {
  return config.registries.find((r) => r.type === 'npm-registry' && r.url && compareToRegistry(registry, r.url.replace(/\/*$/, '/')) === 'same')
}

/** The `.npmrc` lines that install a scope's packages with a token from NPM_TOKEN (for CI). */
export function installNpmrcLines(scope: string | undefined, registry: string, nerfDart: string): string[] {
  return [...(scope ? [`${scope}:registry=${registry}`] : []), `${nerfDart}:_authToken=\${NPM_TOKEN}`]
}
