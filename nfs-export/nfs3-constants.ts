/** Numbers from RFC 1813 (NFSv3 and MOUNT v3), named as the RFC names them. */

export const NFS_PROGRAM = 100003
export const NFS_V3 = 3
export const MOUNT_PROGRAM = 100005
export const MOUNT_V3 = 3

/** nfsstat3 */
export const NFS3_OK = 0
export const NFS3ERR_PERM = 1
export const NFS3ERR_NOENT = 2
export const NFS3ERR_IO = 5
export const NFS3ERR_ACCES = 13
export const NFS3ERR_EXIST = 17
export const NFS3ERR_NOTDIR = 20
export const NFS3ERR_ISDIR = 21
export const NFS3ERR_INVAL = 22
export const NFS3ERR_FBIG = 27
export const NFS3ERR_ROFS = 30
export const NFS3ERR_NAMETOOLONG = 63
export const NFS3ERR_NOTEMPTY = 66
export const NFS3ERR_STALE = 70
export const NFS3ERR_BADHANDLE = 10001
export const NFS3ERR_NOT_SYNC = 10002
export const NFS3ERR_BAD_COOKIE = 10003
export const NFS3ERR_NOTSUPP = 10004
export const NFS3ERR_SERVERFAULT = 10006

/** mountstat3 */
export const MNT3_OK = 0
export const MNT3ERR_NOENT = 2
export const MNT3ERR_ACCES = 13

/** ftype3 */
export const NF3REG = 1
export const NF3DIR = 2
export const NF3LNK = 5

/** stable_how */
export const UNSTABLE = 0
export const DATA_SYNC = 1
export const FILE_SYNC = 2

/** createmode3 */
export const UNCHECKED = 0
export const GUARDED = 1
export const EXCLUSIVE = 2

/** ACCESS bits */
export const ACCESS_READ = 0x01
export const ACCESS_LOOKUP = 0x02
export const ACCESS_MODIFY = 0x04
export const ACCESS_EXTEND = 0x08
export const ACCESS_DELETE = 0x10
export const ACCESS_EXECUTE = 0x20

/** FSINFO properties */
export const FSF3_LINK = 0x01
export const FSF3_SYMLINK = 0x02
export const FSF3_HOMOGENEOUS = 0x08
export const FSF3_CANSETTIME = 0x10

export const NFS3_FHSIZE = 64
export const MNTPATHLEN = 1024
export const NFS3_MAXNAMLEN = 255
/** The largest READ and WRITE: 1 MiB, what FSINFO advertises as rtmax and wtmax. */
export const MAX_IO = 1 << 20

/** The procedures, by number. */
export const NFSPROC3 = {
  NULL: 0, GETATTR: 1, SETATTR: 2, LOOKUP: 3, ACCESS: 4, READLINK: 5, READ: 6, WRITE: 7, CREATE: 8, MKDIR: 9,
  SYMLINK: 10, MKNOD: 11, REMOVE: 12, RMDIR: 13, RENAME: 14, LINK: 15, READDIR: 16, READDIRPLUS: 17,
  FSSTAT: 18, FSINFO: 19, PATHCONF: 20, COMMIT: 21,
} as const

export const MOUNTPROC3 = { NULL: 0, MNT: 1, DUMP: 2, UMNT: 3, UMNTALL: 4, EXPORT: 5 } as const
