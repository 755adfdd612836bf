// Preloaded into pkgs (node --require) by test/files.test.ts: interrupts the writing of one file,
// as a crash, a kill or a full disk would. PKGS_TEST_INTERRUPT names the file (its base name:
// .npmrc, package.json) and how:
//   kill-mid-write   the first write to it (or to a temporary file beside it) writes half, then SIGKILL
//   kill-at-rename   SIGKILL just before a temporary file is renamed over it
//   rename-fails     renaming over it fails with EACCES
// Only the callback and promise forms write-file-atomic uses are patched, plus fs.writeFile's, so
// that a write that is not atomic is interrupted too.
const fs = require('node:fs')
const path = require('node:path')

const spec = process.env.PKGS_TEST_INTERRUPT ?? ''
const [how, name] = spec.split(':')
const aimed = (file) => typeof file === 'string' && path.basename(file).startsWith(name)
const fds = new Set()
const die = () => process.kill(process.pid, 'SIGKILL')

const open = fs.open
fs.open = function (file, ...rest) {
  const cb = rest.pop()
  return open.call(fs, file, ...rest, (err, fd) => {
    if (!err && aimed(file)) fds.add(fd)
    cb(err, fd)
  })
}
const write = fs.write
fs.write = function (fd, data, ...rest) {
  if (how === 'kill-mid-write' && fds.has(fd)) {
    const text = Buffer.from(typeof data === 'string' ? data : data.buffer ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : String(data))
    fs.writeSync(fd, text.subarray(0, Math.ceil(text.length / 2)))
    fs.fsyncSync(fd)
    die()
  }
  return write.call(fs, fd, data, ...rest)
}
const writeFile = fs.promises.writeFile
fs.promises.writeFile = async function (file, data, ...rest) {
  if (how === 'kill-mid-write' && aimed(String(file))) {
    fs.writeFileSync(file, String(data).slice(0, Math.ceil(String(data).length / 2)))
    die()
  }
  return writeFile.call(fs.promises, file, data, ...rest)
}
const rename = fs.rename
fs.rename = function (from, to, cb) {
  if (aimed(to) && how === 'kill-at-rename') die()
  if (aimed(to) && how === 'rename-fails') {
    return process.nextTick(
      cb,
      Object.assign(new Error(`EACCES: permission denied, rename '${from}' -> '${to}'`), {
        code: 'EACCES',
        errno: -13,
        syscall: 'rename',
        path: from,
        dest: to,
      }),
    )
  }
  return rename.call(fs, from, to, cb)
}
