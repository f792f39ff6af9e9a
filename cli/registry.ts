/**
 * Every command, in the order `irmin --help` lists them. Adding one is a file in commands/ and a
 * line here.
 */
import type { Command } from './command.js'
import { branch } from './commands/branch.js'
import { branches } from './commands/branches.js'
import { clone } from './commands/clone.js'
import { diff } from './commands/diff.js'
import { dot } from './commands/dot.js'
import { exportCommand } from './commands/export.js'
import { fetchCommand } from './commands/fetch.js'
import { fsck } from './commands/fsck.js'
import { gc } from './commands/gc.js'
import { get } from './commands/get.js'
import { help } from './commands/help.js'
import { importCommand } from './commands/import.js'
import { init } from './commands/init.js'
import { list } from './commands/list.js'
import { log } from './commands/log.js'
import { merge } from './commands/merge.js'
import { pull } from './commands/pull.js'
import { push } from './commands/push.js'
import { remote } from './commands/remote.js'
import { nfs } from './commands/nfs.js'
import { remove } from './commands/remove.js'
import { revert } from './commands/revert.js'
import { serve } from './commands/serve.js'
import { set } from './commands/set.js'
import { show } from './commands/show.js'
import { snapshot } from './commands/snapshot.js'
import { stats } from './commands/stats.js'
import { tree } from './commands/tree.js'
import { watch } from './commands/watch.js'
import { xenstored } from './commands/xenstored.js'

export const COMMANDS: readonly Command[] = [
  init,
  get,
  set,
  remove,
  list,
  tree,
  log,
  show,
  branches,
  branch,
  diff,
  merge,
  revert,
  snapshot,
  watch,
  stats,
  dot,
  importCommand,
  exportCommand,
  gc,
  fsck,
  serve,
  clone,
  fetchCommand,
  pull,
  push,
  remote,
  xenstored,
  nfs,
  help,
]

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find(command => command.name === name)
}
