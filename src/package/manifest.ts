// Reading ./package.json: missing is not an error here, broken is (with the file named).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
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
    const manifest = JSON.parse(text) as unknown
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

/** `[<package>]` arguments default to the name in ./package.json. */
export async function packageNameOrLocal(dir: string, given?: string): Promise<string | undefined> {
  if (given) return given
  const found = await readManifest(dir)
  return found && nameOf(found)
}
