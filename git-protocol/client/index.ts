/**
 * irminsule as a client of git servers (smart HTTP): the Node entry imports this module, which
 * plugs the git client into the sync operations, so `repo.clone/fetch/pull/push` and the `irmin`
 * commands of the same names take git URLs (sync/client/git-remotes.ts says how a URL is
 * recognised).
 */
import { registerGitRemoteClient } from '../../sync/client/git-remotes.js'
import { gitFetch } from './git-fetch.js'
import { gitPush } from './git-push.js'

registerGitRemoteClient({ fetch: gitFetch, push: gitPush })

export { gitFetch, type GitFetchOptions } from './git-fetch.js'
export { gitPush } from './git-push.js'
export { GitHttp, type GitHttpOptions } from './http.js'
export { UploadPack, type RemoteRef, type FetchRequest, type FetchReply } from './upload-pack.js'
