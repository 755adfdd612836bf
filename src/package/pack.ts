// Packing for publish exactly as npm 11's `npm publish` does (lib/commands/publish.js): the
// manifest normalised by @npmcli/package-json (or read from a tarball by pacote), prepublishOnly,
// libnpmpack (prepack, prepare, npm-packlist's file list, pacote's reproducible tarball,
// postpack), the manifest read again, publish and postpublish. Nothing here prints.
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PkgsError, usageError } from '../core/errors.js'
import { readManifest, type Manifest } from './manifest.js'

/** What packing needs of npm's loaded configuration (core/config.ts's Config is one). */
interface NpmConfig {
  npm: { env: NodeJS.ProcessEnv; localPrefix: string }
}

const require = createRequire(import.meta.url)

export interface PackSource {
  type: 'directory' | 'file'
  /** absolute path of the folder or the tarball */
  path: string
}

const tarballName = /\.(tgz|tar\.gz|tar)$/i

/** `[<folder>|<tarball>]`: a folder is packed, a tarball is published as it is. */
export async function packSource(cwd: string, arg = '.'): Promise<PackSource> {
  const path = resolve(cwd, arg)
  let directory: boolean
  try {
    directory = (await stat(path)).isDirectory()
  } catch {
    throw usageError(`There is no folder or tarball at ${arg}.`, 'Pass a folder with a package.json, or a .tgz made by `npm pack`.')
  }
  if (directory) return { type: 'directory', path }
  if (!tarballName.test(path)) {
    throw usageError(`${arg} is neither a folder nor a tarball (.tgz, .tar.gz, .tar).`, 'Pass a folder with a package.json, or a .tgz made by `npm pack`.')
  }
  return { type: 'file', path }
}

export interface ReadManifest {
  manifest: Manifest
  /** what @npmcli/package-json corrected (npm warns: "npm pkg fix") */
  corrections: string[]
}

/** The manifest npm would publish: package.json with npm's publish normalisation. */
export async function readPublishManifest(source: PackSource, flat: Record<string, unknown>): Promise<ReadManifest> {
  if (source.type === 'directory') {
    // read (and parse) first, so a missing or broken file gets the same message as in every command
    const raw = await readManifest(source.path)
    if (!raw) {
      throw new PkgsError('ENOPACKAGEJSON', `There is no package.json in ${source.path}.`, { hint: 'Create one with: pkgs init --scope @your-scope' })
    }
    const { default: PackageJson } = await import('@npmcli/package-json')
    const corrections: string[] = []
    let content: Manifest
    try {
      const pkg = await PackageJson.fix(source.path, { changes: corrections })
      content = (await pkg.prepare()).content as Manifest
    } catch (err) {
      throw new PkgsError('EREADPACKAGE', `Cannot read ${join(source.path, 'package.json')}: ${(err as Error).message}`, {
        hint: 'Fix the file (`npm pkg fix` corrects what it can).',
        cause: err,
      })
    }
    // npm-packlist reads "files" from the file itself, iterates it unchecked, and throws outside any promise
    const files = raw.manifest.files
    if (files !== undefined && !(Array.isArray(files) && files.every((f) => typeof f === 'string'))) {
      throw new PkgsError('EBADPACKAGE', `"files" in ${join(source.path, 'package.json')} must be a list of paths, such as ["lib", "index.js"].`, {
        hint: 'Fix it, or remove it to publish every file that .npmignore does not exclude.',
      })
    }
    return { manifest: content, corrections }
  }
  const { default: pacote } = await import('pacote')
  try {
    return { manifest: (await pacote.manifest(source.path, { ...flat, fullMetadata: true, fullReadJson: true })) as Manifest, corrections: [] }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PkgsError('EBADTARBALL', `${source.path} has no package/package.json inside: it is not an npm package.`, {
        hint: 'Pass a tarball made by `npm pack`.',
        cause: err,
      })
    }
    throw new PkgsError('EBADTARBALL', `Cannot read the package.json inside ${source.path}: ${(err as Error).message}`, {
      hint: 'Pass a tarball made by `npm pack`.',
      cause: err,
    })
  }
}

/**
 * npm runs lifecycle scripts with its configuration exported as npm_config_* variables (plus
 * npm_execpath, NODE, INIT_CWD, npm_command). libnpmpack and pacote read process.env for
 * prepack, prepare and postpack, so the variables have to be there, as they are under npm: when
 * a script runs (runsScripts), and only then.
 */
export function exportNpmEnv(config: NpmConfig, command: string): void {
  for (const [key, value] of Object.entries(config.npm.env)) {
    if (value !== undefined && process.env[key] !== value) process.env[key] = value
  }
  process.env.npm_command = command
}

export interface ScriptOptions {
  /** scripts write to the terminal (npm's foreground-scripts); otherwise output is captured */
  foreground: boolean
  /** npm's ignore-scripts */
  ignoreScripts: boolean
  /** npm's script-shell */
  scriptShell?: string
}

/** What publishing a folder can run of its scripts: prepublishOnly, prepack, prepare (pacote's), postpack, publish, postpublish. */
const publishScripts = ['prepublishOnly', 'prepack', 'prepare', 'postpack', 'publish', 'postpublish']

/** True when publishing runs a script of the package's (a tarball's are never run, as by npm). */
export function runsScripts(source: PackSource, manifest: Manifest, opts: ScriptOptions): boolean {
  const scripts = manifest.scripts as Record<string, string> | undefined
  return source.type === 'directory' && !opts.ignoreScripts && publishScripts.some((event) => scripts?.[event])
}

/** prepublishOnly, publish and postpublish: only for a folder, as npm does. */
export async function runLifecycle(
  event: 'prepublishOnly' | 'publish' | 'postpublish',
  source: PackSource,
  manifest: Manifest,
  opts: ScriptOptions,
): Promise<void> {
  if (source.type !== 'directory' || opts.ignoreScripts) return
  const scripts = manifest.scripts as Record<string, string> | undefined
  if (!scripts?.[event]) return
  const { default: runScript } = await import('@npmcli/run-script')
  await runScript({ event, path: source.path, stdio: opts.foreground ? 'inherit' : 'pipe', pkg: manifest, scriptShell: opts.scriptShell })
}

/** libnpmpack as npm publish calls it (dryRun: the tarball stays in memory). */
export async function packTarball(source: PackSource, config: NpmConfig, flat: Record<string, unknown>, opts: ScriptOptions): Promise<Buffer> {
  const { default: pack } = await import('libnpmpack')
  return pack(source.path, {
    ...flat,
    ignoreScripts: opts.ignoreScripts,
    scriptShell: opts.scriptShell,
    foregroundScripts: opts.foreground,
    dryRun: true,
    prefix: config.npm.localPrefix,
  })
}

export interface PackedFile {
  path: string
  size: number
  mode: number
}

export interface Packed {
  tarball: Buffer
  /** in npm's order (upper-case names first) */
  files: PackedFile[]
  entryCount: number
  bundled: string[]
  /** bytes of the tarball */
  size: number
  unpackedSize: number
  shasum: string
  integrity: string
  filename: string
}

/** What is in the tarball, with the hashes the registry will record (npm's getContents). */
export async function tarballContents(tarball: Buffer, manifest: { name: string; version: string }): Promise<Packed> {
  // the CommonJS build pacote has already loaded: import() would load tar's ESM build a second time
  const { list } = require('tar') as typeof import('tar')
  const files: PackedFile[] = []
  const bundled = new Set<string>()
  let entryCount = 0
  let unpackedSize = 0
  const parser = list({
    onReadEntry(entry) {
      entryCount++
      unpackedSize += entry.size ?? 0
      const bundle = /^package\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(entry.path)
      if (bundle) bundled.add(bundle[1])
      files.push({ path: entry.path.replace(/^package\//, ''), size: entry.size ?? 0, mode: entry.mode ?? 0 })
    },
  })
  // the parser handles a whole buffer synchronously
  parser.end(tarball)
  const compare = new Intl.Collator('en', { sensitivity: 'case', numeric: true }).compare
  const upper = (p: string) => p.charAt(0) === p.charAt(0).toUpperCase()
  const byPath = (a: PackedFile, b: PackedFile) => compare(a.path, b.path)
  return {
    tarball,
    files: [...files.filter((f) => upper(f.path)).sort(byPath), ...files.filter((f) => !upper(f.path)).sort(byPath)],
    entryCount,
    bundled: [...bundled],
    size: tarball.length,
    unpackedSize,
    shasum: createHash('sha1').update(tarball).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
    filename: `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
  }
}
