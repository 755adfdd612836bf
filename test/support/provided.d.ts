import type { VerdaccioInfo } from './verdaccio.js'

declare module 'vitest' {
  export interface ProvidedContext {
    verdaccio: VerdaccioInfo
    verdaccioNext: VerdaccioInfo
  }
}
