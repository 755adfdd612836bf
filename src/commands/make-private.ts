// pkgs make-private: only the owners and those they share with can install the packages.
import { visibilityCommand } from './visibility.js'

export default visibilityCommand('private')
