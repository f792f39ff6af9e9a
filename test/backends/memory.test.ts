import { openMemoryBackend } from '../../index.js'
import { runConformance } from '../helpers/conformance.js'

runConformance('memory', { open: async options => openMemoryBackend(options) })
