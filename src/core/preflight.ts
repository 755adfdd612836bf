// Up-front checks: npm on the PATH (read from its package.json, never by spawning it) and the
// login state of a registry (whoami, started alongside the command's first request).
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import type { Credentials, ResolvedRegistry } from './config.js'
import { Exit, PkgsError } from './errors.js'

const require = createRequire(import.meta.url)

/** Private packages need npm newer than this (npm's guide to private packages). */
export const minimumNpm = '2.7.0'

export interface NpmInfo {
  found: boolean
  /** the npm executable found on the PATH */
  bin?: string
  /** npm's install folder */
  root?: string
  version?: string
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function readNpmPackage(start: string): { root: string; version: string } | undefined {
  let dir = dirname(start)
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg?.name === 'npm' && typeof pkg.version === 'string') return { root: dir, version: pkg.version }
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir)
  }
  return undefined
}

/** The npm a user would run: the first `npm` on the PATH, and its version from its package.json. */
export function findNpm(env: NodeJS.ProcessEnv): NpmInfo {
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm.exe', 'npm'] : ['npm']
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    for (const name of names) {
      const bin = join(dir, name)
      if (!isExecutable(bin)) continue
      let real = bin
      try {
        real = realpathSync(bin)
      } catch {
        // a dangling link: report what we found
      }
      const pkg = readNpmPackage(real)
      return { found: true, bin, root: pkg?.root, version: pkg?.version }
    }
  }
  return { found: false }
}

export type CheckStatus = 'ok' | 'warn' | 'error'

export interface Check {
  id: string
  status: CheckStatus
  message: string
  hint?: string
}

export function checkNpm(npm: NpmInfo): Check {
  if (!npm.found) {
    return {
      id: 'npm',
      status: 'error',
      message: 'npm was not found on the PATH.',
      hint: 'Install Node.js with npm (https://nodejs.org/) so that others can install your private packages.',
    }
  }
  if (!npm.version) {
    return { id: 'npm', status: 'warn', message: `npm found at ${npm.bin}, but its version could not be read.`, hint: 'Run `npm --version`; it must be newer than 2.7.0.' }
  }
  const gt = require('semver/functions/gt') as (a: string, b: string) => boolean
  if (!gt(npm.version, minimumNpm)) {
    return {
      id: 'npm',
      status: 'error',
      message: `npm ${npm.version} is too old for private packages (it must be newer than ${minimumNpm}).`,
      hint: 'Upgrade npm: npm install -g npm@latest',
    }
  }
  return { id: 'npm', status: 'ok', message: `npm ${npm.version} (${npm.bin})` }
}

/** The `pkgs login …` command that logs in to this registry. */
export function loginCommand(registry: ResolvedRegistry, scope?: string): string {
  if (scope && registry.rule === 'scope') return `pkgs login --scope ${scope}`
  if (registry.rule === 'default') return 'pkgs login'
  return `pkgs login --registry ${registry.url}`
}

/** Fail at once (no request) when there are no credentials at all for the registry. */
export function requireCredentials(registry: ResolvedRegistry, credentials: Credentials, scope?: string): void {
  if (credentials.type !== 'none') return
  throw new PkgsError('ENEEDAUTH', `You are not logged in to ${registry.url}.`, {
    hint: `Log in with: ${loginCommand(registry, scope)}`,
    exitCode: Exit.auth,
  })
}
