/*
 * A test driver against libnfs (Debian's libnfs-dev) for the NFSv3 procedures the libnfs command
 * line tools never call, and for the errors. Prints "ok STEP" per check; on the first failure
 * prints "FAIL STEP: why" and exits 1.
 *
 *   driver URL all                 every procedure and error on a writable export (needs big/ with 5000 files)
 *   driver URL handle PATH         prints PATH's file handle in hex
 *   driver URL getattr HEX         GETATTR of a raw handle: prints "status N size S"
 *   driver URL rofs                every change answers ROFS (a read-only export)
 *   driver URL rename FROM TO      renames over NFS
 *   driver URL mkfiles DIR N       creates N small files in DIR (the benchmark's small-file load)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

/* libnfs keeps this struct private; its layout (libnfs-private.h) has been stable since 1.x. */
struct nfs_fh { int len; char *val; };

static struct nfs_context *nfs;
static struct rpc_context *rpc;

#define CHECK(step, cond, ...) do { if (!(cond)) { printf("FAIL %s: ", step); printf(__VA_ARGS__); printf(" (%s)\n", nfs_get_error(nfs)); exit(1); } printf("ok %s\n", step); fflush(stdout); } while (0)

/* One raw call in flight: the callback copies what the checks need. */
struct call { int done; int rpc_status; int status; uint32_t word; uint64_t u64; char verf[8]; int count; int eof; uint64_t cookie; char cookieverf[8]; };

static void wait_for(struct call *c) {
  while (!c->done) {
    struct pollfd pfd = { .fd = nfs_get_fd(nfs), .events = nfs_which_events(nfs) };
    if (poll(&pfd, 1, 5000) < 0 || nfs_service(nfs, pfd.revents) < 0) { printf("FAIL service: %s\n", nfs_get_error(nfs)); exit(1); }
  }
}

#define STATUS_CB(name, type, extra) \
  static void name(struct rpc_context *r, int status, void *data, void *priv) { \
    struct call *c = priv; (void)r; c->done = 1; c->rpc_status = status; \
    if (status == RPC_STATUS_SUCCESS) { type *res = data; c->status = res->status; if (res->status == NFS3_OK) { extra; } } }

STATUS_CB(getattr_cb, GETATTR3res, c->u64 = res->GETATTR3res_u.resok.obj_attributes.size)
STATUS_CB(create_cb, CREATE3res, )
STATUS_CB(mknod_cb, MKNOD3res, )
STATUS_CB(link_cb, LINK3res, )
STATUS_CB(pathconf_cb, PATHCONF3res, c->word = res->PATHCONF3res_u.resok.name_max)
STATUS_CB(fsinfo_cb, FSINFO3res, c->word = res->FSINFO3res_u.resok.wtmax; c->u64 = res->FSINFO3res_u.resok.rtmax)
STATUS_CB(write_cb, WRITE3res, c->word = res->WRITE3res_u.resok.committed; memcpy(c->verf, res->WRITE3res_u.resok.verf, 8))
STATUS_CB(commit_cb, COMMIT3res, memcpy(c->verf, res->COMMIT3res_u.resok.verf, 8))
STATUS_CB(access_cb, ACCESS3res, c->word = res->ACCESS3res_u.resok.access)
STATUS_CB(readdir_cb, READDIR3res,
  entry3 *e = res->READDIR3res_u.resok.reply.entries; c->count = 0;
  for (; e; e = e->nextentry) { c->count++; c->cookie = e->cookie; }
  c->eof = res->READDIR3res_u.resok.reply.eof; memcpy(c->cookieverf, res->READDIR3res_u.resok.cookieverf, 8))

static void null_cb(struct rpc_context *r, int status, void *data, void *priv) {
  struct call *c = priv; (void)r; (void)data; c->done = 1; c->rpc_status = status; c->status = 0;
}

static nfs_fh3 fh_of(const char *path) {
  struct nfsfh *f;
  if (nfs_open(nfs, path, O_RDONLY, &f) != 0) { printf("FAIL open %s: %s\n", path, nfs_get_error(nfs)); exit(1); }
  struct nfs_fh *h = nfs_get_fh(f);
  nfs_fh3 out = { .data = { .data_len = h->len, .data_val = malloc(h->len) } };
  memcpy(out.data.data_val, h->val, h->len);
  nfs_close(nfs, f);
  return out;
}

static struct call getattr(nfs_fh3 fh) {
  struct call c = {0};
  GETATTR3args a = { .object = fh };
  rpc_nfs3_getattr_async(rpc, getattr_cb, &a, &c);
  wait_for(&c);
  return c;
}

static struct call create_exclusive(nfs_fh3 dir, char *name, const char *verf) {
  struct call c = {0};
  CREATE3args a = {0};
  a.where.dir = dir;
  a.where.name = name;
  a.how.mode = EXCLUSIVE;
  memcpy(a.how.createhow3_u.verf, verf, 8);
  rpc_nfs3_create_async(rpc, create_cb, &a, &c);
  wait_for(&c);
  return c;
}

static void run_all(void) {
  struct call c = {0};
  rpc_nfs3_null_async(rpc, null_cb, &c);
  wait_for(&c);
  CHECK("null", c.rpc_status == RPC_STATUS_SUCCESS, "rpc status %d", c.rpc_status);

  CHECK("mkdir", nfs_mkdir(nfs, "/d") == 0, "mkdir /d");
  CHECK("mkdir-exist", nfs_mkdir(nfs, "/d") == -EEXIST, "second mkdir");
  struct nfsfh *f;
  CHECK("create", nfs_creat(nfs, "/d/f", 0644, &f) == 0, "creat /d/f");
  CHECK("write", nfs_write(nfs, f, 11, "hello world") == 11, "write");
  CHECK("fsync-commit", nfs_fsync(nfs, f) == 0, "fsync");
  nfs_close(nfs, f);
  struct nfs_stat_64 st;
  CHECK("getattr", nfs_stat64(nfs, "/d/f", &st) == 0 && st.nfs_size == 11, "size %llu", (unsigned long long)st.nfs_size);
  CHECK("setattr-truncate", nfs_truncate(nfs, "/d/f", 5) == 0, "truncate");
  char buf[64] = {0};
  CHECK("open", nfs_open(nfs, "/d/f", O_RDONLY, &f) == 0, "open");
  CHECK("read", nfs_read(nfs, f, sizeof buf, buf) == 5 && memcmp(buf, "hello", 5) == 0, "read '%s'", buf);
  nfs_close(nfs, f);
  CHECK("setattr-mode", nfs_chmod(nfs, "/d/f", 0755) == 0 && nfs_stat64(nfs, "/d/f", &st) == 0 && (st.nfs_mode & 0100), "mode %o", (unsigned)st.nfs_mode);
  CHECK("symlink", nfs_symlink(nfs, "f", "/d/l") == 0, "symlink");
  memset(buf, 0, sizeof buf);
  CHECK("readlink", nfs_readlink(nfs, "/d/l", buf, sizeof buf) == 0 && strcmp(buf, "f") == 0, "target '%s'", buf);
  CHECK("lstat-link", nfs_lstat64(nfs, "/d/l", &st) == 0 && S_ISLNK(st.nfs_mode), "mode %o", (unsigned)st.nfs_mode);

  nfs_fh3 before = fh_of("/d/f");
  CHECK("rename", nfs_rename(nfs, "/d/f", "/d/g") == 0, "rename");
  CHECK("rename-old-gone", nfs_stat64(nfs, "/d/f", &st) == -ENOENT, "old name");
  c = getattr(before);
  CHECK("handle-survives-rename", c.status == NFS3_OK && c.u64 == 5, "status %d size %llu", c.status, (unsigned long long)c.u64);

  nfs_fh3 d = fh_of("/d");
  c = create_exclusive(d, "x", "verifier");
  CHECK("create-exclusive", c.status == NFS3_OK, "status %d", c.status);
  c = create_exclusive(d, "x", "verifier");
  CHECK("create-exclusive-retry", c.status == NFS3_OK, "status %d", c.status);
  c = create_exclusive(d, "x", "another!");
  CHECK("create-exclusive-exist", c.status == NFS3ERR_EXIST, "status %d", c.status);
  CHECK("create-excl-flag", nfs_create(nfs, "/d/x", O_CREAT | O_EXCL, 0644, &f) == -EEXIST, "O_EXCL");

  CHECK("rmdir-notempty", nfs_rmdir(nfs, "/d") == -ENOTEMPTY, "rmdir non-empty");
  CHECK("remove-isdir", nfs_unlink(nfs, "/d") == -EISDIR, "unlink a directory");
  CHECK("notdir", nfs_stat64(nfs, "/d/g/x", &st) == -ENOTDIR, "lookup under a file");
  CHECK("noent", nfs_stat64(nfs, "/nope", &st) == -ENOENT, "missing");

  CHECK("remove", nfs_unlink(nfs, "/d/g") == 0, "unlink");
  c = getattr(before);
  CHECK("stale", c.status == NFS3ERR_STALE, "status %d", c.status);
  nfs_fh3 junk = { .data = { .data_len = 5, .data_val = "junk!" } };
  c = getattr(junk);
  CHECK("badhandle", c.status == NFS3ERR_BADHANDLE, "status %d", c.status);

  memset(&c, 0, sizeof c);
  MKNOD3args mk = {0};
  mk.where.dir = d; mk.where.name = "fifo"; mk.what.type = NF3FIFO;
  rpc_nfs3_mknod_async(rpc, mknod_cb, &mk, &c);
  wait_for(&c);
  CHECK("mknod-notsupp", c.status == NFS3ERR_NOTSUPP, "status %d", c.status);
  memset(&c, 0, sizeof c);
  nfs_fh3 xfh = fh_of("/d/x");
  LINK3args ln = { .file = xfh, .link = { .dir = d, .name = "hard" } };
  rpc_nfs3_link_async(rpc, link_cb, &ln, &c);
  wait_for(&c);
  CHECK("link-notsupp", c.status == NFS3ERR_NOTSUPP, "status %d", c.status);

  memset(&c, 0, sizeof c);
  WRITE3args w = { .file = xfh, .offset = 0, .count = 3, .stable = FILE_SYNC, .data = { .data_len = 3, .data_val = "abc" } };
  rpc_nfs3_write_async(rpc, write_cb, &w, &c);
  wait_for(&c);
  CHECK("write-file-sync", c.status == NFS3_OK && c.word == FILE_SYNC, "status %d committed %u", c.status, c.word);
  memset(&c, 0, sizeof c);
  w.stable = UNSTABLE; w.offset = 3;
  rpc_nfs3_write_async(rpc, write_cb, &w, &c);
  wait_for(&c);
  char verf[8];
  memcpy(verf, c.verf, 8);
  CHECK("write-unstable", c.status == NFS3_OK && c.word == UNSTABLE, "status %d committed %u", c.status, c.word);
  memset(&c, 0, sizeof c);
  COMMIT3args cm = { .file = xfh, .offset = 0, .count = 0 };
  rpc_nfs3_commit_async(rpc, commit_cb, &cm, &c);
  wait_for(&c);
  CHECK("commit-verifier", c.status == NFS3_OK && memcmp(verf, c.verf, 8) == 0, "status %d", c.status);
  CHECK("read-after-commit", nfs_stat64(nfs, "/d/x", &st) == 0 && st.nfs_size == 6, "size %llu", (unsigned long long)st.nfs_size);

  memset(&c, 0, sizeof c);
  ACCESS3args ac = { .object = xfh, .access = ACCESS3_READ | ACCESS3_MODIFY };
  rpc_nfs3_access_async(rpc, access_cb, &ac, &c);
  wait_for(&c);
  CHECK("access", c.status == NFS3_OK && c.word == (ACCESS3_READ | ACCESS3_MODIFY), "status %d access %u", c.status, c.word);
  memset(&c, 0, sizeof c);
  PATHCONF3args pc = { .object = d };
  rpc_nfs3_pathconf_async(rpc, pathconf_cb, &pc, &c);
  wait_for(&c);
  CHECK("pathconf", c.status == NFS3_OK && c.word == 255, "status %d name_max %u", c.status, c.word);
  memset(&c, 0, sizeof c);
  FSINFO3args fi = { .fsroot = d };
  rpc_nfs3_fsinfo_async(rpc, fsinfo_cb, &fi, &c);
  wait_for(&c);
  CHECK("fsinfo", c.status == NFS3_OK && c.word >= 1048576 && c.u64 >= 1048576, "wtmax %u rtmax %llu", c.word, (unsigned long long)c.u64);
  struct statvfs sv;
  CHECK("fsstat", nfs_statvfs(nfs, "/", &sv) == 0 && sv.f_blocks > 0, "statvfs");

  /* READDIRPLUS paging (libnfs opendir) and READDIR paging with small counts and cookies. */
  struct nfsdir *dir;
  int n = 0;
  CHECK("opendir-big", nfs_opendir(nfs, "/big", &dir) == 0, "opendir");
  struct nfsdirent *de;
  while ((de = nfs_readdir(nfs, dir)) != NULL) if (strcmp(de->name, ".") && strcmp(de->name, "..")) n++;
  nfs_closedir(nfs, dir);
  CHECK("readdirplus-5000", n == 5000, "%d entries", n);
  nfs_fh3 big = fh_of("/big");
  int total = 0, pages = 0;
  uint64_t cookie = 0;
  char cv[8] = {0};
  for (;;) {
    memset(&c, 0, sizeof c);
    READDIR3args rd = { .dir = big, .cookie = cookie, .count = 4096 };
    memcpy(rd.cookieverf, cv, 8);
    rpc_nfs3_readdir_async(rpc, readdir_cb, &rd, &c);
    wait_for(&c);
    if (c.status != NFS3_OK) break;
    total += c.count; pages++;
    cookie = c.cookie; memcpy(cv, c.cookieverf, 8);
    if (c.eof) break;
  }
  CHECK("readdir-paging", c.status == NFS3_OK && total == 5000 && pages > 10, "status %d: %d entries in %d pages", c.status, total, pages);

  CHECK("rmdir", nfs_unlink(nfs, "/d/x") == 0 && nfs_unlink(nfs, "/d/l") == 0 && nfs_rmdir(nfs, "/d") == 0, "emptying and removing /d");
  CHECK("rmdir-gone", nfs_stat64(nfs, "/d", &st) == -ENOENT, "stat");
}

static void run_rofs(void) {
  struct nfsfh *f;
  CHECK("rofs-create", nfs_creat(nfs, "/new", 0644, &f) == -EROFS, "creat");
  CHECK("rofs-mkdir", nfs_mkdir(nfs, "/newdir") == -EROFS, "mkdir");
  struct nfsdir *dir;
  struct nfsdirent *de;
  const char *victim = NULL;
  if (nfs_opendir(nfs, "/", &dir) == 0) {
    while ((de = nfs_readdir(nfs, dir)) != NULL) if (de->type == NF3REG) { victim = strdup(de->name); break; }
    nfs_closedir(nfs, dir);
  }
  CHECK("rofs-has-file", victim != NULL, "no file at the root");
  char path[512];
  snprintf(path, sizeof path, "/%s", victim);
  CHECK("rofs-remove", nfs_unlink(nfs, path) == -EROFS, "unlink");
  CHECK("rofs-truncate", nfs_truncate(nfs, path, 0) == -EROFS, "truncate");
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: driver URL all|handle PATH|getattr HEX|rofs\n"); return 2; }
  nfs = nfs_init_context();
  struct nfs_url *url = nfs_parse_url_dir(nfs, argv[1]);
  if (!url || nfs_mount(nfs, url->server, url->path) != 0) { printf("FAIL mount: %s\n", nfs_get_error(nfs)); return 1; }
  rpc = nfs_get_rpc_context(nfs);
  const char *mode = argv[2];
  if (!strcmp(mode, "all")) run_all();
  else if (!strcmp(mode, "rofs")) run_rofs();
  else if (!strcmp(mode, "handle") && argc > 3) {
    nfs_fh3 fh = fh_of(argv[3]);
    for (u_int i = 0; i < fh.data.data_len; i++) printf("%02x", (unsigned char)fh.data.data_val[i]);
    printf("\n");
  } else if (!strcmp(mode, "getattr") && argc > 3) {
    size_t len = strlen(argv[3]) / 2;
    char *bytes = malloc(len + 1);
    for (size_t i = 0; i < len; i++) sscanf(argv[3] + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
    nfs_fh3 fh = { .data = { .data_len = len, .data_val = bytes } };
    struct call c = getattr(fh);
    printf("status %d size %llu\n", c.status, (unsigned long long)c.u64);
  } else if (!strcmp(mode, "mkfiles") && argc > 4) {
    /* N small files in DIR, each created, written and closed as a program saving files does. */
    int n = atoi(argv[4]);
    char path[512], body[64];
    nfs_mkdir(nfs, argv[3]);
    for (int i = 0; i < n; i++) {
      struct nfsfh *f;
      snprintf(path, sizeof path, "%s/file-%05d", argv[3], i);
      int len = snprintf(body, sizeof body, "small file %d\n", i);
      if (nfs_creat(nfs, path, 0644, &f) != 0 || nfs_write(nfs, f, len, body) != len || nfs_close(nfs, f) != 0) { printf("FAIL mkfiles %s: %s\n", path, nfs_get_error(nfs)); return 1; }
    }
    printf("ok mkfiles\n");
  } else if (!strcmp(mode, "rename") && argc > 4) {
    CHECK("rename", nfs_rename(nfs, argv[3], argv[4]) == 0, "rename %s %s", argv[3], argv[4]);
  } else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
  nfs_umount(nfs);
  nfs_destroy_context(nfs);
  return 0;
}
