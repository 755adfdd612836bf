// A monorepo's packages as npm, yarn and pnpm see them: the workspace found from any folder inside
// it (package.json `workspaces`, read by npm's own @npmcli/map-workspaces, or pnpm-workspace.yaml),
// the packages selected as npm's --workspace selects them, the order its packages depend on each
// other in, and the `workspace:` and `catalog:` ranges rewritten for publishing as pnpm and yarn
// rewrite them (in what is uploaded only: files on disk never change).
import { createRequire } from 'node:module'
import { readdir, readFile } from 'node:fs/promises'
import { gunzipSync, gzipSync } from 'node:zlib'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { PkgsError, usageError } from '../core/errors.js'
import { packageRoot, readManifest, type Manifest } from './manifest.js'

const require = createRequire(import.meta.url)

export interface WorkspacePackage {
  name: string
  /** absolute path of its folder */
  folder: string
  manifest: Manifest
}

export interface Workspace {
  /** the folder with the root package.json (and pnpm-workspace.yaml) */
  root: string
  /** where the list of packages comes from */
  kind: 'npm' | 'pnpm'
  /** in the order of their folders */
  packages: WorkspacePackage[]
  /** pnpm's catalogs by name (`catalog:` is "default") */
  catalogs: Record<string, Record<string, string>>
}

/** What a package depends on that orders a release: installs need these (devDependencies do not). */
export const orderingFields = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const
/** Where pnpm and yarn rewrite `workspace:` and `catalog:` ranges when publishing. */
const rewrittenFields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new PkgsError('EREADPACKAGE', `Cannot read ${path}: ${(err as Error).message}.`, { cause: err })
  }
}

interface Declaration {
  root: string
  kind: Workspace['kind']
  patterns: unknown
  catalogs: Workspace['catalogs']
}

/** pnpm-workspace.yaml's `packages` and catalogs. */
function pnpmDeclaration(root: string, text: string): Declaration {
  const { parse } = require('yaml') as typeof import('yaml')
  let doc: { packages?: unknown; catalog?: unknown; catalogs?: unknown } | null
  try {
    doc = parse(text) as typeof doc
  } catch (err) {
    throw new PkgsError('EBADWORKSPACE', `${join(root, 'pnpm-workspace.yaml')} is not valid YAML: ${(err as Error).message}`, { cause: err })
  }
  const catalogs: Workspace['catalogs'] = {}
  const named = doc?.catalogs && typeof doc.catalogs === 'object' ? (doc.catalogs as Record<string, unknown>) : {}
  for (const [name, entries] of Object.entries({ ...named, ...(doc?.catalog ? { default: doc.catalog } : {}) })) {
    if (entries && typeof entries === 'object') catalogs[name] = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, String(v)]))
  }
  return { root, kind: 'pnpm', patterns: doc?.packages ?? [], catalogs }
}

/** The nearest folder, `dir` or above, that declares workspaces (package.json `workspaces`, or pnpm-workspace.yaml). */
async function findDeclaration(dir: string): Promise<Declaration | undefined> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const yaml = await readText(join(at, 'pnpm-workspace.yaml'))
    if (yaml !== undefined) return pnpmDeclaration(at, yaml)
    const found = await readManifest(at)
    if (found?.manifest.workspaces !== undefined) return { root: at, kind: 'npm', patterns: found.manifest.workspaces, catalogs: {} }
    if (dirname(at) === at) return undefined
  }
}

/** Throws readManifest's error (naming the file) for the first package.json that the patterns could match and is not JSON. */
async function findBrokenManifest(root: string, patterns: unknown): Promise<void> {
  const list: unknown = Array.isArray(patterns) ? patterns : (patterns as { packages?: unknown } | null)?.packages
  for (const pattern of Array.isArray(list) ? list : []) {
    if (typeof pattern !== 'string' || pattern.startsWith('!')) continue
    const parts = pattern.split('/').filter((s) => s && s !== '.')
    const wild = parts.findIndex((s) => /[*?[{]/.test(s))
    const base = join(root, ...(wild < 0 ? parts : parts.slice(0, wild)))
    await readEachManifest(base, wild < 0 ? 0 : parts.includes('**') ? 4 : parts.length - wild)
  }
}

async function readEachManifest(dir: string, depth: number): Promise<void> {
  await readManifest(dir)
  if (depth <= 0) return
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const d of entries) {
    if (d.isDirectory() && d.name !== 'node_modules' && !d.name.startsWith('.')) await readEachManifest(join(dir, d.name), depth - 1)
  }
}

const inside = (folder: string, dir: string) => dir === folder || dir.startsWith(folder + sep)

/**
 * The workspace `cwd` belongs to: its root or one of its packages' folders, or a folder under them.
 * undefined when there is none.
 */
export async function findWorkspace(cwd: string): Promise<Workspace | undefined> {
  const declared = await findDeclaration(cwd)
  if (!declared) return undefined
  const { default: mapWorkspaces } = await import('@npmcli/map-workspaces')
  let map: Map<string, string>
  try {
    map = await mapWorkspaces({ cwd: declared.root, pkg: { workspaces: declared.patterns } })
  } catch (err) {
    // a package's package.json that is not JSON: map-workspaces does not say which one
    if ((err as NodeJS.ErrnoException).code === 'EJSONPARSE') await findBrokenManifest(declared.root, declared.patterns)
    const file = declared.kind === 'pnpm' ? 'pnpm-workspace.yaml' : 'package.json'
    throw new PkgsError('EBADWORKSPACE', `The workspaces of ${join(declared.root, file)} cannot be listed: ${(err as Error).message}`, {
      hint:
        (err as NodeJS.ErrnoException).code === 'EDUPLICATEWORKSPACE'
          ? 'Give each package of the workspace a name of its own (or leave one folder out of the workspace).'
          : declared.kind === 'pnpm'
            ? 'List the package folders under "packages:", e.g. - packages/*'
            : 'Give "workspaces" as a list of folders, e.g. ["packages/*"].',
      cause: err,
    })
  }
  const packages: WorkspacePackage[] = []
  for (const [name, folder] of map) {
    const found = await readManifest(folder)
    if (found) packages.push({ name, folder, manifest: found.manifest })
  }
  packages.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0))
  // a package.json of its own that is not one of the workspace's packages (a tool kept in the repository): not in it, as npm sees it
  const own = await packageRoot(resolve(cwd))
  if (own && own !== declared.root && !packages.some((p) => p.folder === own)) return undefined
  return { root: declared.root, kind: declared.kind, packages, catalogs: declared.catalogs }
}

/**
 * The workspace whose root `cwd` is in: the nearest package.json (npm's local prefix) is the one
 * that declares the workspace, not a package's. There, commands that take a package act on the
 * workspace's packages rather than on the root's own name. undefined elsewhere.
 */
export async function workspaceAtRoot(cwd: string): Promise<Workspace | undefined> {
  const root = await packageRoot(cwd)
  if (!root) return undefined
  const declared = (await readText(join(root, 'pnpm-workspace.yaml'))) !== undefined || (await readManifest(root))?.manifest.workspaces !== undefined
  return declared ? findWorkspace(root) : undefined
}

/** The packages of a workspace that can be on a registry: those not marked "private": true. */
export function publishablePackages(ws: Workspace): WorkspacePackage[] {
  return ws.packages.filter((p) => p.manifest.private !== true)
}

/** Package names for a message: the first `limit`, then how many more. */
export function someNames(names: string[], limit = 20): string {
  return names.slice(0, limit).join(', ') + (names.length > limit ? ` and ${names.length - limit} more` : '')
}

export function notInWorkspace(cwd: string, otherwise = 'name the packages'): PkgsError {
  return usageError(
    `${cwd} is not in a workspace: no package.json with "workspaces" or pnpm-workspace.yaml here or above lists this folder's package.`,
    `Run it in the monorepo (its root or a package folder), or ${otherwise}.`,
  )
}

/**
 * npm's selection: `--workspaces` every package, `--workspace` each one named by its name or a
 * folder (a folder selects the packages in it), in the workspace's order. A workspace without
 * packages is a usage error.
 */
export function selectPackages(ws: Workspace, cwd: string, wanted: string[] | undefined): WorkspacePackage[] {
  if (!ws.packages.length) throw usageError(`The workspace at ${ws.root} has no packages.`, 'List their folders in "workspaces" (or pnpm-workspace.yaml).')
  if (!wanted?.length) return ws.packages
  const chosen = new Set<WorkspacePackage>()
  for (const want of wanted) {
    const byName = ws.packages.find((p) => p.name === want)
    const folder = resolve(cwd, want)
    const byFolder = ws.packages.filter((p) => inside(folder, p.folder))
    if (!byName && !byFolder.length) {
      throw usageError(`${want} is not a package of the workspace at ${ws.root}.`, `Its packages: ${someNames(ws.packages.map((p) => p.name))}.`)
    }
    for (const p of byName ? [byName] : byFolder) chosen.add(p)
  }
  return ws.packages.filter((p) => chosen.has(p))
}

/** The root's or a package's folder, relative to the root, as a release shows it. */
export function folderOf(ws: Workspace, pkg: WorkspacePackage): string {
  return relative(ws.root, pkg.folder).split(sep).join('/') || '.'
}

export interface SiblingDependency {
  /** the workspace package depended on */
  name: string
  field: (typeof rewrittenFields)[number]
  spec: string
}

/** A dependency that npm, yarn and pnpm resolve to the workspace's own package: `workspace:`, or a semver range on a sibling's name. */
function onSibling(ws: Workspace, name: string, spec: string): boolean {
  if (spec.startsWith('workspace:')) return true
  const validRange = require('semver/ranges/valid') as (range: string) => string | null
  return ws.packages.some((p) => p.name === name) && validRange(spec) !== null
}

function dependencies(manifest: Manifest, fields: readonly SiblingDependency['field'][]): [SiblingDependency['field'], string, string][] {
  return fields.flatMap((field) => {
    const deps = manifest[field]
    if (!deps || typeof deps !== 'object') return []
    return Object.entries(deps as Record<string, unknown>)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .map(([name, spec]): [SiblingDependency['field'], string, string] => [field, name, spec])
  })
}

/** The workspace packages `pkg` needs installed before itself (what orders a release). */
export function siblingDependencies(ws: Workspace, pkg: WorkspacePackage): SiblingDependency[] {
  return dependencies(pkg.manifest, orderingFields)
    .filter(([, name, spec]) => onSibling(ws, name, spec))
    .map(([field, name, spec]) => ({ name: dependedOn(ws, pkg, name, spec), field, spec }))
    .filter((dep) => dep.name !== pkg.name)
}

/** `workspace:<name>@<range>`: an alias of a sibling (pnpm publishes it as `npm:<name>@<range>`). */
function aliasOf(spec: string): { target: string; range: string } | undefined {
  const m = /^workspace:((?:@[^/@]+\/)?[^/@]+)@(.*)$/.exec(spec)
  return m ? { target: m[1], range: m[2] } : undefined
}

/** The package a dependency is on: its key, or the sibling an alias or a folder names. */
function dependedOn(ws: Workspace, pkg: WorkspacePackage, name: string, spec: string): string {
  if (pathSpec(spec)) return ws.packages.find((p) => p.folder === resolve(pkg.folder, spec.slice('workspace:'.length)))?.name ?? name
  return aliasOf(spec)?.target ?? name
}

/** The `workspace:` and `catalog:` ranges of a package: plain `npm publish` uploads them as they are, and no one can install the result. */
export function unpublishableRanges(pkg: WorkspacePackage): SiblingDependency[] {
  return dependencies(pkg.manifest, rewrittenFields)
    .filter(([field, , spec]) => field !== 'devDependencies' && /^(workspace|catalog):/.test(spec))
    .map(([field, name, spec]) => ({ name, field, spec }))
}

/** Packages that depend on each other in a circle (names, the first one again at the end), if any. */
function findDependencyCycle(ws: Workspace, selected: WorkspacePackage[]): string[] | undefined {
  const byName = new Map(ws.packages.map((p) => [p.name, p]))
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name]
    const pkg = byName.get(name)
    if (!pkg) return undefined
    state.set(name, 'visiting')
    path.push(name)
    for (const dep of siblingDependencies(ws, pkg)) {
      const cycle = visit(dep.name)
      if (cycle) return cycle
    }
    path.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const p of selected) {
    const cycle = visit(p.name)
    if (cycle) return cycle
  }
  return undefined
}

/**
 * What a release of `selected` checks before reading the registry: every sibling range can be
 * rewritten (a usage error naming it otherwise), then no packages depend on each other in a circle.
 */
export function checkSiblings(ws: Workspace, selected: WorkspacePackage[]): void {
  for (const pkg of selected) if (pkg.manifest.private !== true) rewriteRanges(ws, pkg, pkg.manifest)
  const cycle = findDependencyCycle(ws, selected)
  if (cycle) {
    throw usageError(
      `These packages depend on each other in a circle, so none can be published first: ${cycle.join(' → ')}.`,
      'Remove one of these dependencies (a peer dependency that is also needed for development belongs in devDependencies too, which does not order a release).',
    )
  }
}

export interface Rewritten {
  field: SiblingDependency['field']
  name: string
  from: string
  to: string
}

/** The version a range on a sibling is written with: one it has (a private tool may have none). */
function versionOf(at: string, sibling: WorkspacePackage): string {
  const { version } = sibling.manifest
  if (typeof version === 'string' && version) return version
  throw usageError(
    `${at} needs ${sibling.name}'s version, and its package.json has none.`,
    `Give ${sibling.name} a version (npm version 1.0.0 --no-git-tag-version in ${sibling.folder}).`,
  )
}

/** `workspace:./x` and `workspace:../x`: the sibling in that folder, relative to the package's. */
const pathSpec = (spec: string) => /^workspace:\.\.?\//.test(spec)

/**
 * What one range becomes in the published manifest, as pnpm writes it: `workspace:*` the sibling's
 * version, `workspace:^`/`workspace:~` that version with the prefix, `workspace:<range>` the range,
 * `workspace:<path>` the version of the sibling in that folder (`npm:<name>@<version>` under
 * another name), `workspace:<name>@<range>` the alias `npm:<name>@<range rewritten>`; `catalog:` and `catalog:<name>` the
 * entry of pnpm-workspace.yaml's catalog. A range on a sibling that its version does not satisfy
 * is a usage error.
 */
function rewriteOne(ws: Workspace, pkg: WorkspacePackage, field: SiblingDependency['field'], name: string, spec: string): string {
  const at = `${pkg.name}'s ${field} (${name}: "${spec}")`
  if (spec.startsWith('catalog:')) {
    const catalog = spec.slice('catalog:'.length) || 'default'
    const range = ws.catalogs[catalog]?.[name]
    if (range === undefined) {
      throw usageError(
        `${at} names the catalog "${catalog}", which has no entry for ${name}.`,
        `Add ${name} to ${catalog === 'default' ? '"catalog:"' : `"catalogs: ${catalog}:"`} in ${join(ws.root, 'pnpm-workspace.yaml')}.`,
      )
    }
    return range
  }
  if (pathSpec(spec)) {
    const folder = resolve(pkg.folder, spec.slice('workspace:'.length))
    const there = ws.packages.find((p) => p.folder === folder)
    if (!there) throw usageError(`${at} names ${folder}, which is not a package folder of the workspace.`, `Use workspace:* to depend on ${name}.`)
    return there.name === name ? versionOf(at, there) : `npm:${there.name}@${versionOf(at, there)}`
  }
  const alias = aliasOf(spec)
  if (alias) {
    const range = rewriteOne(ws, pkg, field, alias.target, `workspace:${alias.range}`)
    return alias.target === name ? range : `npm:${alias.target}@${range}`
  }
  const sibling = ws.packages.find((p) => p.name === name)
  if (spec.startsWith('workspace:') && !sibling)
    throw usageError(`${at} names no package of the workspace.`, `Depend on a package of the workspace, or on a version range (e.g. "^1.0.0").`)
  if (!sibling || !onSibling(ws, name, spec)) return spec
  const version = versionOf(at, sibling)
  const range = spec.startsWith('workspace:') ? spec.slice('workspace:'.length) : spec
  if ((range === '*' || range === '') && spec !== range) return version
  if (range === '^' || range === '~') return `${range}${version}`
  const validRange = require('semver/ranges/valid') as (range: string) => string | null
  if (!validRange(range)) throw usageError(`${at} is not a version range.`, 'Use workspace:*, workspace:^, workspace:~ or workspace:<range>.')
  if (!inRange(version, range)) {
    throw usageError(
      `${at} does not match ${name}'s version in the workspace, ${version}: the published package would depend on another version than the workspace's, which may not be on the registry.`,
      `Change the range to include ${version} (e.g. workspace:^), or ${name}'s version.`,
    )
  }
  return range
}

/**
 * Whether pnpm finds what it writes for this range in the sibling's package.json. pnpm rewrites a
 * map's entries concurrently and each lands in the map when done, so these, which wait for a
 * file, come after the others (among themselves in the order of the reads, almost always theirs).
 */
const readsSibling = (spec: string) => pathSpec(spec) || /^workspace:(?:(?:@[^/@]+\/)?[^/@]+@)?[*^~]?$/.test(spec)

/** Whether a version is in a range (semver's rule). */
export function inRange(version: string, range: string): boolean {
  const satisfies = require('semver/functions/satisfies') as (v: string, r: string) => boolean
  return satisfies(version, range)
}

/** The manifest with every `workspace:` and `catalog:` range as pnpm publishes it, its keys in pnpm's order (and what changed). */
export function rewriteRanges(ws: Workspace, pkg: WorkspacePackage, manifest: Manifest): { manifest: Manifest; rewritten: Rewritten[] } {
  const rewritten: Rewritten[] = []
  const copy: Manifest = { ...manifest }
  for (const field of rewrittenFields) {
    const entries = dependencies(manifest, [field]).map(([, name, spec]) => ({ name, spec, to: rewriteOne(ws, pkg, field, name, spec) }))
    const changed = entries.filter((e) => e.to !== e.spec)
    if (!changed.length) continue
    const deps = { ...(manifest[field] as Record<string, unknown>) }
    for (const e of entries.filter((x) => readsSibling(x.spec))) delete deps[e.name]
    for (const e of entries) deps[e.name] = e.to
    copy[field] = deps
    rewritten.push(...changed.map((e) => ({ field, name: e.name, from: e.spec, to: e.to })))
  }
  return { manifest: copy, rewritten }
}

/** package.json's text as pnpm publishes it (rewriteRanges), its formatting kept (indent, final newline). */
export function rewriteText(ws: Workspace, pkg: WorkspacePackage, text: string): string {
  const parsed = JSON.parse(text.replace(/^\uFEFF/, '')) as Manifest
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? 2
  return JSON.stringify(rewriteRanges(ws, pkg, parsed).manifest, null, indent) + (text.endsWith('\n') ? '\n' : '')
}

/**
 * The tarball npm packed, with its package/package.json replaced: the other entries are kept byte
 * for byte and the result is compressed as pacote compresses (gzip level 9).
 */
export function replacePackageJson(tarball: Buffer, rewrite: (text: string) => string): Buffer {
  const { Header } = require('tar') as typeof import('tar')
  const tar = gunzipSync(tarball)
  const parts: Buffer[] = []
  let off = 0
  let replaced = false
  while (off + 512 <= tar.length) {
    const header = new Header(tar, off)
    if (!header.path) break
    const size = header.size ?? 0
    const body = Math.ceil(size / 512) * 512
    if (!replaced && header.path === 'package/package.json' && (header.type === 'File' || header.type === 'OldFile')) {
      const content = Buffer.from(rewrite(tar.subarray(off + 512, off + 512 + size).toString('utf8')))
      const head = Buffer.from(tar.subarray(off, off + 512))
      header.size = content.length
      header.encode(head, 0)
      parts.push(head, content, Buffer.alloc(Math.ceil(content.length / 512) * 512 - content.length))
      replaced = true
    } else parts.push(tar.subarray(off, off + 512 + body))
    off += 512 + body
  }
  if (!replaced) throw new PkgsError('EBADTARBALL', 'The packed tarball has no package/package.json.')
  parts.push(tar.subarray(off))
  return gzipSync(Buffer.concat(parts), { level: 9 })
}
