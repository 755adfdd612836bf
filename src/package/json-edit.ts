// Changing a few values of a JSON file and not one byte more. npm's own writer
// (@npmcli/package-json) serialises the whole document again, which turns `"files": ["dist"]`
// into three lines; jsonc-parser's modify() with formatting does the same to the member before an
// insertion. So jsonc-parser only finds where things are, and a new member is written here the
// way the object's other members are: same indentation, same line ending, same `": "`.
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser'

/** Whitespace (and the comma or brace) before `at`, back to the previous token: a member's separator. */
function whitespaceBefore(text: string, at: number): string {
  let start = at
  while (start > 0 && /\s/.test(text[start - 1])) start--
  return text.slice(start, at)
}

/** The indentation of the line `at` is on. */
function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1
  return /^[ \t]*/.exec(text.slice(lineStart))![0]
}

interface Style {
  /** one level of indentation ('' when the file is on one line) */
  unit: string
  newline: string
}

/** The file's indentation unit and line ending, read from its top-level members. */
function styleOf(text: string, root: Node): Style {
  const newline = text.includes('\r\n') ? '\r\n' : '\n'
  const first = root.children?.[0]
  if (!first) return { unit: '  ', newline }
  const sep = whitespaceBefore(text, first.offset)
  return { unit: sep.includes('\n') ? sep.slice(sep.lastIndexOf('\n') + 1) : '', newline }
}

/** A value written at a line indented by `indent`: nested lines one unit deeper each. */
function render(value: unknown, indent: string, style: Style): string {
  const json = JSON.stringify(value, null, style.unit)
  return style.unit ? json.replace(/\n/g, style.newline + indent) : json
}

/** Add `"key": value` as the last member of `object`. */
function addMember(text: string, object: Node, key: string, value: unknown, style: Style): string {
  const members = object.children ?? []
  const last = members[members.length - 1]
  if (last) {
    const sep = whitespaceBefore(text, last.offset)
    const indent = sep.includes('\n') ? sep.slice(sep.lastIndexOf('\n') + 1) : ''
    const [keyNode, valueNode] = last.children!
    const colon = text.slice(keyNode.offset + keyNode.length, valueNode.offset)
    const end = last.offset + last.length
    return `${text.slice(0, end)},${sep}${JSON.stringify(key)}${colon}${render(value, indent, style)}${text.slice(end)}`
  }
  // an empty object: its member goes on a line of its own, one unit in, unless the file is on one line
  const open = object.offset + 1
  const close = object.offset + object.length - 1
  const outer = lineIndent(text, object.offset)
  const indent = outer + style.unit
  const colon = style.unit ? ': ' : ':'
  const member = `${JSON.stringify(key)}${colon}${render(value, indent, style)}`
  const inside = style.unit ? `${style.newline}${indent}${member}${style.newline}${outer}` : member
  return text.slice(0, open) + inside + text.slice(close)
}

/**
 * Set the value at `path` (keys from the top) in a JSON document's text: an existing value is
 * replaced where it stands; a missing key is added to the deepest object on the path that
 * exists (a value on the path that is not an object is replaced by one). Everything else is
 * kept byte for byte.
 */
export function setJsonValue(text: string, path: string[], value: unknown): string {
  const root = parseTree(text)
  if (!root || root.type !== 'object') throw new Error('not a JSON object')
  const style = styleOf(text, root)
  const found = findNodeAtLocation(root, path)
  if (found) {
    const member = found.parent!
    return text.slice(0, found.offset) + render(value, lineIndent(text, member.offset), style) + text.slice(found.offset + found.length)
  }
  // the deepest existing object on the path, and what to add to it
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const at = depth === 0 ? root : findNodeAtLocation(root, path.slice(0, depth))
    if (!at) continue
    const nested = path.slice(depth + 1).reduceRight<unknown>((inner, key) => ({ [key]: inner }), value)
    if (at.type === 'object') return addMember(text, at, path[depth], nested, style)
    return setJsonValue(text, path.slice(0, depth), { [path[depth]]: nested })
  }
  throw new Error('unreachable: the root is an object')
}
