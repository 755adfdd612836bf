// Reading package.json: missing is not an error here, broken is (with the file named). The
// package of a folder is found as npm finds it: in the folder or the nearest one above.
import { readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PkgsError } from '../core/errors.js'

/** package.json as written: any field may hold any JSON value. */
export interface Manifest {
  name?: unknown
  version?: unknown
  private?: unknown
  publishConfig?: { access?: unknown; registry?: unknown; tag?: unknown; [key: string]: unknown }
  [key: string]: unknown
}

export async function readManifest(dir: string): Promise<{ path: string; manifest: Manifest } | undefined> {
  const path = join(dir, 'package.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new PkgsError('EREADPACKAGE', `Cannot read ${path}: ${(err as Error).message}.`, { cause: err })
  }
  try {
    // a byte-order mark, as some Windows editors write: npm reads past it, and so do we
    const manifest = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new Error('not an object')
    return { path, manifest: manifest as Manifest }
  } catch (err) {
    throw new PkgsError('EJSONPARSE', `${path} is not valid JSON: ${(err as Error).message}.`, {
      hint: 'Fix the file (or move it away and run `pkgs init`).',
      cause: err,
    })
  }
}

/** The name a package.json gives, if any; a name that is not a string makes it a broken file (exit 1). */
export function nameOf({ path, manifest }: { path: string; manifest: Manifest }): string | undefined {
  const { name } = manifest
  if (name === undefined || name === '') return undefined
  if (typeof name !== 'string') {
    throw new PkgsError('EBADPACKAGE', `The name in ${path} is ${JSON.stringify(name)}, not a string.`, {
      hint: 'Give it a name such as "@your-scope/widgets" (pkgs init --scope @your-scope writes one).',
    })
  }
  return name
}

async function exists(path: string, what: 'file' | 'directory'): Promise<boolean> {
  try {
    const s = await stat(path)
    return what === 'file' ? s.isFile() : s.isDirectory()
  } catch {
    return false
  }
}

/**
 * The folder npm works in from `dir` (its local prefix, as @npmcli/config's loadLocalPrefix
 * finds it): the nearest folder, `dir` or above, with a package.json or a node_modules. npm
 * publishes, packs and reads the package there; undefined when there is none up to the root.
 */
export async function packageRoot(dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    if ((await exists(join(at, 'package.json'), 'file')) || (await exists(join(at, 'node_modules'), 'directory'))) return at
    if (dirname(at) === at) return undefined
  }
}

/** The package.json of the package `dir` is in (the nearest one, as npm finds it), if any. */
export async function findManifest(dir: string): Promise<{ path: string; manifest: Manifest } | undefined> {
  const root = await packageRoot(dir)
  return root ? readManifest(root) : undefined
}

/** Why no package name comes from here (packageNameOrLocal gave none): words for an error message. */
export async function noLocalName(dir: string): Promise<string> {
  const found = await findManifest(dir)
  return found ? `${found.path} has no "name"` : 'there is no package.json here or above'
}

/** `[<package>]` arguments default to the name in the package.json of the package we are in. */
export async function packageNameOrLocal(dir: string, given?: string): Promise<string | undefined> {
  if (given) return given
  const found = await findManifest(dir)
  return found && nameOf(found)
}
