/*
 * booster-exec: the per-sub-work thin client of the Troupe booster.
 *
 * Runs once for every intercepted sub-work, so it is C and costs well under a millisecond of its own.
 * It sends argv, cwd and the environment to the booster's executor gateway on the Unix socket named by
 * $TROUPE_BOOSTER_SOCKET, writes the returned stdout/stderr to its own and exits with the returned code.
 * With no socket, or a booster that cannot be reached or that drops the connection before answering,
 * it runs the command locally: a build never breaks because the booster is gone.
 *
 * Two ways to call it:
 *   booster-exec CMD [ARGS...]   the command is given explicitly
 *   CMD [ARGS...]                through a PATH shim (a symlink named CMD pointing at this binary)
 *
 * The local command is resolved on PATH minus $TROUPE_SHIM_DIR (and minus anything that is this very
 * binary), so the fallback never recurses into the shim. The same cleaned PATH is what the command gets,
 * so descendants of a hooked command are not hooked again.
 *
 * Its stdin is never lost: a regular file (up to 1 MiB) is forwarded with the request, /dev/null and a
 * terminal are forwarded as nothing, and for a pipe (or socket, FIFO, larger file) the booster answers
 * "run it yourself" and the command runs here, inheriting stdin (unless that pipe is the booster's own
 * stdin, inherited through the build: like a terminal, that is the build's input and is not forwarded).
 *
 * Wire protocol, version 2 (all integers unsigned 32-bit big-endian unless noted; docs/architecture.md):
 *   request : "TRB2" argc {len bytes}*argc cwd_len cwd envc {len "NAME=value"}*envc
 *             stdin_kind stdin_len stdin id_len id   (kind: 1 null, 2 tty, 3 file + bytes, 4 pipe;
 *                                                     id: "st_dev:st_ino" of fd 0, or empty)
 *   reply   : "TRR2" run_locally exit_code(int32) stdout_len stdout stderr_len stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_MAGIC 0x54524232u /* "TRB2" */
#define REPLY_MAGIC 0x54525232u   /* "TRR2" */
#define MAX_STDIN_BYTES (1u << 20) /* a larger stdin file is handled like a pipe: the command runs here */

/* what stdin is; the values are GatewayProtocol.StdinKind's ordinals */
enum stdin_kind { STDIN_NULL = 1, STDIN_TTY = 2, STDIN_FILE = 3, STDIN_PIPE = 4 };
#define MAX_REPLY_PART (1u << 30) /* 1 GiB: larger is a corrupt length, not output */

extern char **environ;

static const char *prog_name = "booster-exec";

/* ---------- a growable output buffer for the request ---------- */

struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
};

static int buf_reserve(struct buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int buf_u32(struct buf *b, uint32_t v) {
    if (buf_reserve(b, 4)) return -1;
    b->data[b->len++] = (unsigned char)(v >> 24);
    b->data[b->len++] = (unsigned char)(v >> 16);
    b->data[b->len++] = (unsigned char)(v >> 8);
    b->data[b->len++] = (unsigned char)v;
    return 0;
}

static int buf_str(struct buf *b, const char *s) {
    size_t n = strlen(s);
    if (n > UINT32_MAX || buf_u32(b, (uint32_t)n) || buf_reserve(b, n)) return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* ---------- PATH handling ---------- */

/* True when PATH entry [dir, dir+len) names the shim directory. */
static int is_shim_dir(const char *dir, size_t len, const char *shim_dir) {
    if (!shim_dir || !*shim_dir) return 0;
    size_t sl = strlen(shim_dir);
    while (sl > 1 && shim_dir[sl - 1] == '/') sl--;
    while (len > 1 && dir[len - 1] == '/') len--;
    return len == sl && strncmp(dir, shim_dir, len) == 0;
}

/* PATH without the shim directory; never NULL. */
static char *clean_path(const char *path, const char *shim_dir) {
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    char *out = malloc(strlen(path) + 1);
    if (!out) return NULL;
    size_t o = 0;
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!is_shim_dir(p, len, shim_dir)) {
            if (o > 0) out[o++] = ':';
            memcpy(out + o, p, len);
            o += len;
        }
        if (!end) break;
        p = end + 1;
    }
    out[o] = '\0';
    return out;
}

/* Finds cmd on path, skipping this binary itself (a shim reached some other way). Caller frees. */
static char *resolve(const char *cmd, const char *path) {
    if (strchr(cmd, '/')) return strdup(cmd);
    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t need = (len ? len : 1) + 1 + strlen(cmd) + 1;
        char *cand = malloc(need);
        if (!cand) return NULL;
        if (len == 0) snprintf(cand, need, "./%s", cmd); /* empty PATH entry = current directory */
        else snprintf(cand, need, "%.*s/%s", (int)len, p, cmd);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            char real[PATH_MAX];
            if (!(sl > 0 && realpath(cand, real) && strcmp(real, self) == 0)) return cand;
        }
        free(cand);
        if (!end) break;
        p = end + 1;
    }
    return NULL;
}

/* Runs the command here, as if booster-exec were not in between. Does not return. */
static void run_locally(char **cmd, const char *why) {
    if (why && !getenv("TROUPE_BOOSTER_QUIET"))
        fprintf(stderr, "%s: %s; running %s locally\n", prog_name, why, cmd[0]);
    char *path = clean_path(getenv("PATH"), getenv("TROUPE_SHIM_DIR"));
    if (!path) {
        fprintf(stderr, "%s: out of memory\n", prog_name);
        _exit(126);
    }
    setenv("PATH", path, 1);
    char *exe = resolve(cmd[0], path);
    if (!exe) {
        fprintf(stderr, "%s: %s: command not found\n", prog_name, cmd[0]);
        _exit(127);
    }
    execv(exe, cmd);
    fprintf(stderr, "%s: cannot run %s: %s\n", prog_name, exe, strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

/* ---------- socket I/O ---------- */

static int write_all(int fd, const void *data, size_t len) {
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t len) {
    unsigned char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) return -1; /* the booster closed the connection early */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_u32(int fd, uint32_t *v) {
    unsigned char b[4];
    if (read_all(fd, b, 4)) return -1;
    *v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    return 0;
}

static unsigned char *read_part(int fd, uint32_t *len) {
    if (read_u32(fd, len) || *len > MAX_REPLY_PART) return NULL;
    unsigned char *data = malloc(*len ? *len : 1);
    if (!data) return NULL;
    if (*len && read_all(fd, data, *len)) {
        free(data);
        return NULL;
    }
    return data;
}

/* Classifies stdin; for a small regular file reads its unread bytes without moving the offset, so a local
 * fallback still sees them. Caller frees *data. */
static enum stdin_kind stdin_of(unsigned char **data, uint32_t *len) {
    struct stat st, null_st;
    *data = NULL;
    *len = 0;
    if (fstat(STDIN_FILENO, &st) < 0) return STDIN_NULL; /* closed */
    if (S_ISCHR(st.st_mode)) {
        if (isatty(STDIN_FILENO)) return STDIN_TTY;
        if (stat("/dev/null", &null_st) == 0 && st.st_rdev == null_st.st_rdev) return STDIN_NULL;
        return STDIN_PIPE; /* /dev/zero, a serial line...: only a local run reads it right */
    }
    if (!S_ISREG(st.st_mode)) return STDIN_PIPE;
    off_t offset = lseek(STDIN_FILENO, 0, SEEK_CUR);
    if (offset < 0) offset = 0;
    if (st.st_size < offset) return STDIN_NULL;
    off_t left = st.st_size - offset;
    if (left > (off_t)MAX_STDIN_BYTES) return STDIN_PIPE;
    unsigned char *p = malloc(left ? (size_t)left : 1);
    if (!p) return STDIN_PIPE;
    size_t got = 0;
    while (got < (size_t)left) {
        ssize_t n = pread(STDIN_FILENO, p + got, (size_t)left - got, offset + (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* shrank meanwhile: forward what is there */
        got += (size_t)n;
    }
    *data = p;
    *len = (uint32_t)got;
    return STDIN_FILE;
}

static int build_request(struct buf *b, char **cmd, int cmdc, const char *shim_dir) {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return -1;
    if (buf_u32(b, REQUEST_MAGIC) || buf_u32(b, (uint32_t)cmdc)) return -1;
    for (int i = 0; i < cmdc; i++)
        if (buf_str(b, cmd[i])) return -1;
    if (buf_str(b, cwd)) return -1;
    uint32_t envc = 0;
    for (char **e = environ; *e; e++)
        if (strchr(*e, '=')) envc++;
    if (buf_u32(b, envc)) return -1;
    for (char **e = environ; *e; e++) {
        if (!strchr(*e, '=')) continue;
        if (strncmp(*e, "PATH=", 5) == 0) {
            /* the sub-work runs with the shims off its PATH: its children are not hooked again */
            char *path = clean_path(*e + 5, shim_dir);
            if (!path) return -1;
            size_t n = strlen(path) + 6;
            char *entry = malloc(n);
            if (!entry) return -1;
            snprintf(entry, n, "PATH=%s", path);
            int rc = buf_str(b, entry);
            free(entry);
            free(path);
            if (rc) return -1;
        } else if (buf_str(b, *e)) {
            return -1;
        }
    }
    unsigned char *in;
    uint32_t in_len;
    enum stdin_kind kind = stdin_of(&in, &in_len);
    int rc = buf_u32(b, (uint32_t)kind) || buf_u32(b, in_len) || buf_reserve(b, in_len);
    if (!rc && in_len) {
        memcpy(b->data + b->len, in, in_len);
        b->len += in_len;
    }
    free(in);
    if (rc) return -1;
    struct stat st;
    char id[64] = "";
    if (fstat(STDIN_FILENO, &st) == 0)
        snprintf(id, sizeof id, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    return buf_str(b, id);
}

/* TBS --force_local_list: nonzero when the command line holds one of the "!!|!!"-separated keys. */
static int forced_local(char **cmd, int cmdc, const char *keys) {
    if (!keys || !*keys) return 0;
    size_t len = 1;
    for (int i = 0; i < cmdc; i++) len += strlen(cmd[i]) + 1;
    char *line = malloc(len);
    if (!line) return 0;
    line[0] = '\0';
    for (int i = 0; i < cmdc; i++) {
        if (i) strcat(line, " ");
        strcat(line, cmd[i]);
    }
    int found = 0;
    const char *sep = "!!|!!";
    for (const char *p = keys; !found && p;) {
        const char *end = strstr(p, sep);
        size_t klen = end ? (size_t)(end - p) : strlen(p);
        if (klen > 0) {
            char *key = strndup(p, klen);
            found = key && strstr(line, key) != NULL;
            free(key);
        }
        p = end ? end + strlen(sep) : NULL;
    }
    free(line);
    return found;
}

int main(int argc, char **argv) {
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    char **cmd;
    int cmdc;
    if (strncmp(base, "booster-exec", 12) == 0) {
        if (argc < 2) {
            fprintf(stderr, "usage: booster-exec COMMAND [ARGS...]\n"
                            "  forwards COMMAND to the booster at $TROUPE_BOOSTER_SOCKET, "
                            "or runs it locally when there is none\n");
            return 2;
        }
        cmd = argv + 1;
        cmdc = argc - 1;
    } else {
        /* called through a shim symlink: the command is the name we were called by */
        argv[0] = (char *)base;
        cmd = argv;
        cmdc = argc;
    }

    const char *socket_path = getenv("TROUPE_BOOSTER_SOCKET");
    if (!socket_path || !*socket_path) run_locally(cmd, NULL);
    if (forced_local(cmd, cmdc, getenv("BK_DIST_FORCE_LOCAL_KEYS"))) run_locally(cmd, NULL);

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(socket_path) >= sizeof addr.sun_path) run_locally(cmd, "booster socket path too long");
    strcpy(addr.sun_path, socket_path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) run_locally(cmd, "cannot create a socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        char why[PATH_MAX + 64];
        snprintf(why, sizeof why, "booster at %s unreachable (%s)", socket_path, strerror(errno));
        close(fd);
        run_locally(cmd, why);
    }

    struct buf req = {0};
    if (build_request(&req, cmd, cmdc, getenv("TROUPE_SHIM_DIR"))) {
        close(fd);
        run_locally(cmd, "cannot build the request");
    }
    if (write_all(fd, req.data, req.len)) {
        close(fd);
        run_locally(cmd, "booster closed the connection while sending");
    }
    free(req.data);

    uint32_t magic, local, code, out_len, err_len;
    unsigned char *out = NULL, *err = NULL;
    if (read_u32(fd, &magic) || magic != REPLY_MAGIC || read_u32(fd, &local) || read_u32(fd, &code)
            || !(out = read_part(fd, &out_len)) || !(err = read_part(fd, &err_len))) {
        close(fd);
        run_locally(cmd, "booster gave no complete answer");
    }
    close(fd);
    /* the booster's "run it yourself" (stdin is a pipe): quietly, the booster has recorded why */
    if (local) run_locally(cmd, NULL);
    /* stdout first, like a command that buffered its output; both are written whole */
    if (out_len) write_all(STDOUT_FILENO, out, out_len);
    if (err_len) write_all(STDERR_FILENO, err, err_len);
    int32_t exit_code = (int32_t)code;
    return exit_code >= 0 && exit_code <= 255 ? exit_code : 255;
}
