// Reading ./package.json: missing is not an error here, broken is (with the file named).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PkgsError } from '../core/errors.js'

export interface Manifest {
  name?: string
  version?: string
  private?: boolean
  publishConfig?: { access?: string; registry?: string; tag?: string; [key: string]: unknown }
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

/** `[<package>]` arguments default to the name in ./package.json. */
export async function packageNameOrLocal(dir: string, given?: string): Promise<string | undefined> {
  if (given) return given
  return (await readManifest(dir))?.manifest.name
}
