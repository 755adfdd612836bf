// Editing .npmrc files without losing anything. npm's own writer (`npm config set`, @npmcli/config's
// save) parses the whole file with `ini` and writes it back from the parsed object: comments,
// blank lines, key order and spacing are gone. Here a file is a list of lines, and an edit
// replaces or removes only the lines of the keys it names; every other line stays byte for byte.
// Lines are read the way `ini` reads them (its decode, safe and unsafe, copied below because ini is
// only a dependency of @npmcli/config, not ours), so we find exactly the keys npm finds.
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileError } from './errors.js'

const require = createRequire(import.meta.url)

export type Location = 'user' | 'project'

/** The file npm reads for a location: `userconfig`, or the .npmrc in the project's root (localPrefix). */
/** npm's configuration as far as where its files are goes (config.ts's Config is one). */
interface NpmrcLocations {
  npm: { localPrefix: string; get(key: string): unknown }
}

export function npmrcPath(config: NpmrcLocations, location: Location): string {
  if (location === 'project') return join(config.npm.localPrefix, '.npmrc')
  return String(config.npm.get('userconfig'))
}

interface Line {
  text: string
  /** the line break after it, as it was ('' for a last line without one) */
  eol: string
  /** the key, for a `key = value` line before the first [section] */
  key?: string
}

const sectionLine = /^\[([^\]]*)\]\s*$/
const keyValueLine = /^([^=]+)(=(.*))?$/

function isQuoted(value: string): boolean {
  return (value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))
}

/** A key or value as ini reads it (ini's `unsafe`): trimmed, unquoted, up to an unescaped ; or #. */
export function unquote(raw: string): string {
  const value = raw.trim()
  if (isQuoted(value)) {
    const inner = value.charAt(0) === "'" ? value.slice(1, -1) : value
    try {
      return JSON.parse(inner) as string
    } catch {
      return inner
    }
  }
  let out = ''
  let escaped = false
  for (const c of value) {
    if (escaped) {
      out += ';#\\'.includes(c) ? c : '\\' + c
      escaped = false
    } else if (c === ';' || c === '#') break
    else if (c === '\\') escaped = true
    else out += c
  }
  return (escaped ? out + '\\' : out).trim()
}

/** A key or value as ini writes it (ini's `safe`), so that npm reads back exactly this string. */
export function quote(value: string): string {
  if (/[=\r\n]/.test(value) || value.startsWith('[') || (value.length > 1 && isQuoted(value)) || value !== value.trim()) {
    return JSON.stringify(value)
  }
  return value.replace(/[;#]/g, (c) => '\\' + c)
}

function parse(text: string): Line[] {
  const lines: Line[] = []
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g
  let inSection = false
  for (let m = re.exec(text); m && m.index < text.length; m = re.exec(text)) {
    const [, content, eol] = m
    const line: Line = { text: content, eol }
    if (sectionLine.test(content)) inSection = true
    else if (!inSection && content.trim() && !/^\s*[;#]/.test(content)) {
      const kv = keyValueLine.exec(content)
      if (kv) line.key = unquote(kv[1])
    }
    lines.push(line)
    if (!eol) break
  }
  return lines
}

/** `key = value ; comment` with a new value: the spacing and a trailing comment are kept. */
function replaceValue(text: string, value: string): string {
  const eq = text.indexOf('=')
  if (eq < 0) return `${text.trimEnd()}=${quote(value)}`
  const rest = text.slice(eq + 1)
  const lead = /^\s*/.exec(rest)![0]
  const body = rest.slice(lead.length)
  let tail = ''
  if (!isQuoted(body.trim())) {
    let escaped = false
    for (let i = 0; i < body.length; i++) {
      const c = body[i]
      if (escaped) escaped = false
      else if (c === '\\') escaped = true
      else if (c === ';' || c === '#') {
        const before = body.slice(0, i)
        tail = before.slice(before.trimEnd().length) + body.slice(i)
        break
      }
    }
  }
  return text.slice(0, eq + 1) + lead + quote(value) + tail
}

export interface NpmrcEdit {
  /** keys to set (or replace) */
  set?: Record<string, string>
  /** keys to remove */
  remove?: string[]
}

export interface EditResult {
  text: string
  /** the keys whose line was added, replaced or removed */
  changed: string[]
}

/** Apply an edit to the text of an .npmrc; lines of other keys, comments and blank lines are kept as they are. */
export function editNpmrcText(text: string, edit: NpmrcEdit): EditResult {
  const lines = parse(text)
  const set = edit.set ?? {}
  const remove = new Set(edit.remove ?? [])
  const changed = new Set<string>()
  const written = new Set<string>()
  const out: Line[] = []
  for (const line of lines) {
    const key = line.key
    if (key !== undefined && remove.has(key) && !(key in set)) {
      changed.add(key)
      continue
    }
    if (key !== undefined && key in set) {
      // a key given twice: ini keeps the last; one line, where the first was, is left
      if (written.has(key)) {
        changed.add(key)
        continue
      }
      written.add(key)
      if (valueOf(line.text) === set[key]) out.push(line)
      else {
        changed.add(key)
        out.push({ ...line, text: replaceValue(line.text, set[key]) })
      }
      continue
    }
    out.push(line)
  }
  const missing = Object.keys(set).filter((k) => !written.has(k))
  if (missing.length) {
    const eol = lines.find((l) => l.eol)?.eol ?? '\n'
    const added: Line[] = missing.map((k) => ({ text: `${quote(k)}=${quote(set[k])}`, eol, key: k }))
    for (const k of missing) changed.add(k)
    // new keys go before the first [section]: after it they would belong to the section
    const section = out.findIndex((l) => sectionLine.test(l.text))
    const at = section >= 0 ? section : out.length
    if (at > 0 && !out[at - 1].eol) out[at - 1] = { ...out[at - 1], eol }
    out.splice(at, 0, ...added)
  }
  return { text: out.map((l) => l.text + l.eol).join(''), changed: [...changed] }
}

/** The value of a top-level key in the text of an .npmrc, as npm reads it (the last one wins). */
export function readNpmrcValue(text: string, key: string): string | undefined {
  let value: string | undefined
  for (const line of parse(text)) {
    if (line.key === key) value = valueOf(line.text)
  }
  return value
}

/** The value of a `key = value` line as ini reads it (a bare `key` is true). */
function valueOf(line: string): string {
  const eq = line.indexOf('=')
  return eq < 0 ? 'true' : unquote(line.slice(eq + 1))
}

const credentialKey = /(^|:)(_authToken|_auth|_password|-authtoken|_authtoken)$/

/** True when the text holds credentials: such a file must be readable by its owner only. */
export function holdsCredentials(text: string): boolean {
  return parse(text).some((l) => l.key !== undefined && credentialKey.test(l.key))
}

export interface FileEditResult {
  path: string
  changed: string[]
  created: boolean
}

/**
 * A file its owner made read-only is refused as npm config set refuses it (EACCES): the atomic
 * rename would replace it (and make it 600), and root could write it anyway.
 */
function readOnlyError(path: string, shownAs: string) {
  return fileError('write', path, Object.assign(new Error(`EACCES: permission denied, open '${path}': it is read-only`), { code: 'EACCES' }), shownAs)
}

/** Before a change that must be followed by a write (logout revokes first): refuse a read-only file now. */
export async function requireWritable(path: string, shownAs = path): Promise<void> {
  const mode = (await stat(path).catch(() => undefined))?.mode
  if (mode !== undefined && (mode & 0o200) === 0) throw readOnlyError(path, shownAs)
}

/**
 * Edit an .npmrc on disk: read, change only the named keys, write atomically (a temporary file
 * renamed over the old one, so a crash leaves the old file or the new one). A file holding
 * credentials is made mode 600; otherwise its mode is kept. Missing: created (when there is
 * something to write).
 */
export async function editNpmrcFile(path: string, edit: NpmrcEdit, shownAs = path): Promise<FileEditResult> {
  let text = ''
  let created = false
  let readOnly = false
  try {
    text = await readFile(path, 'utf8')
    readOnly = ((await stat(path)).mode & 0o200) === 0
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError('read', path, err, shownAs)
    created = true
  }
  const result = editNpmrcText(text, edit)
  if (!result.changed.length) return { path, changed: [], created: false }
  if (readOnly) throw readOnlyError(path, shownAs)
  const { default: writeFileAtomic } = await import('write-file-atomic')
  try {
    await mkdir(dirname(path), { recursive: true })
    // without a mode, write-file-atomic keeps the file's own (or the umask's, for a new file)
    await writeFileAtomic(path, result.text, holdsCredentials(result.text) ? { mode: 0o600 } : {})
  } catch (err) {
    throw fileError('write', path, err, shownAs)
  }
  return { path, changed: result.changed, created }
}

/** The nerf-dart of a registry (`//host/path/`), the prefix npm keeps its credentials under. */
export function nerfDart(url: string): string {
  return (require('@npmcli/config/lib/nerf-dart.js') as (u: string) => string)(url)
}
