// Sending a person to a URL (web login, web 2FA): always print it; open a browser only when a
// person is at a terminal with a graphical session, and never wait for the browser.
import type { IO } from './io.js'

function hasBrowser(env: NodeJS.ProcessEnv): boolean {
  if (env.BROWSER === 'none' || env.npm_config_browser === 'false') return false
  if (process.platform === 'darwin' || process.platform === 'win32') return true
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.BROWSER)
}

export async function sendToUrl(io: IO, message: string, url: string): Promise<void> {
  io.info(`${message}\n  ${io.err.cyan.underline(url)}`)
  if (!io.canPrompt() || !hasBrowser(io.streams.env)) return
  const { default: promiseSpawn } = await import('@npmcli/promise-spawn')
  promiseSpawn.open(url, { stdio: 'ignore' }).catch(() => io.hint('Could not open a browser: open the URL above yourself.'))
}
