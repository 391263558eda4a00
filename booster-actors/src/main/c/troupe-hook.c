/*
 * libtroupe-hook.so: the LD_PRELOAD hook of the Troupe booster (DESIGN.md 4.5, TBS's bk-hook.so).
 *
 * Loaded into every process of a work command, it wraps execve, execv, execvp, execvpe, execl, execlp,
 * execle, posix_spawn and posix_spawnp. glibc's exec family calls its internal execve directly, not
 * through the PLT, so each entry point is wrapped on its own.
 *
 * Rules come from $BK_DIST_HOOK_CONFIG_CONTENT_RAW in TBS's flattened form "src,target|src,target|",
 * parsed once per process when the library loads. src_command is matched against the exec'd file, argv[0]
 * and, for the PATH-searching calls, the file found on PATH:
 *   - a plain name ("gcc")        equals the basename of the candidate;
 *   - a path ("/usr/bin/gcc")     equals the candidate;
 *   - a glob ("*" "/gcc*", "g++*") fnmatch(3) against the candidate, or its basename when the glob has no '/'.
 * A match runs target_command (split on blanks) instead, each "$SRC_CMD" word replaced by the caught
 * command line: the program (argv[0] when it is the bare name of the exec'd file, as a shell runs "gcc",
 * else the file as exec'd), then argv[1..].
 *
 * The hooked child gets BK_PARENT_PROCESS_HOOKED=true (TBS's name) and loses this library from
 * LD_PRELOAD, so nothing a hooked command starts (cc1, as, collect2, booster-exec's local run) is hooked
 * again, and the environment booster-exec forwards to workers does not name a library they lack.
 * booster-exec (and TBS's bk-dist-executor) is never hooked.
 *
 * No malloc on the exec path: a vfork child may call these, so the rewritten argv and environment live
 * on the stack. The real functions are looked up once, when the library loads.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RULES_ENV "BK_DIST_HOOK_CONFIG_CONTENT_RAW"
#define MARKER_ENV "BK_PARENT_PROCESS_HOOKED"
#define MARKER_ENTRY MARKER_ENV "=true"
#define LIBRARY_NAME "libtroupe-hook.so"
#define SRC_CMD "$SRC_CMD"
#define MAX_RULES 128
#define MAX_WORDS 32

extern char **environ;

enum kind { NAME, PATH, GLOB, GLOB_NAME };

struct rule {
    const char *src;
    enum kind kind;
    char *words[MAX_WORDS];
    int nwords;
};

static struct rule rules[MAX_RULES];
static int nrules;
static int needs_resolved; /* some rule compares paths: find bare execvp names on PATH too */
static int initialized;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]);

static execve_fn real_execve;
static execvpe_fn real_execvpe;
static spawn_fn real_posix_spawn;
static spawn_fn real_posix_spawnp;

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void parse_rules(char *raw) {
    for (char *item = raw; item && *item && nrules < MAX_RULES;) {
        char *bar = strchr(item, '|');
        if (bar) *bar = '\0';
        char *comma = strchr(item, ',');
        if (comma && comma != item) {
            *comma = '\0';
            struct rule *r = &rules[nrules];
            r->src = item;
            int glob = strpbrk(item, "*?[") != NULL;
            int slash = strchr(item, '/') != NULL;
            r->kind = glob ? (slash ? GLOB : GLOB_NAME) : (slash ? PATH : NAME);
            r->nwords = 0;
            char *save = NULL;
            char *w = strtok_r(comma + 1, " \t", &save);
            for (; w && r->nwords < MAX_WORDS; w = strtok_r(NULL, " \t", &save)) r->words[r->nwords++] = w;
            if (r->nwords > 0) {
                if (r->kind == PATH || r->kind == GLOB) needs_resolved = 1;
                nrules++;
            }
        }
        item = bar ? bar + 1 : NULL;
    }
}

__attribute__((constructor)) static void init(void) {
    if (initialized) return;
    initialized = 1;
    real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
    real_execvpe = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");
    real_posix_spawn = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
    real_posix_spawnp = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
    const char *marker = getenv(MARKER_ENV);
    if (marker && strcmp(marker, "true") == 0) return; /* a descendant of a hooked command */
    const char *raw = getenv(RULES_ENV);
    if (!raw || !*raw) return;
    char *copy = strdup(raw); /* kept for the life of the process: the rules point into it */
    if (copy) parse_rules(copy);
}

static int matches(const struct rule *r, const char *candidate) {
    if (!candidate || !*candidate) return 0;
    switch (r->kind) {
    case NAME: return strcmp(base_name(candidate), r->src) == 0;
    case PATH: return strcmp(candidate, r->src) == 0;
    case GLOB: return fnmatch(r->src, candidate, 0) == 0;
    case GLOB_NAME: return fnmatch(r->src, base_name(candidate), 0) == 0;
    }
    return 0;
}

/* Finds file on $PATH as execvp would; writes the path into out (PATH_MAX bytes). */
static int resolve_on_path(const char *file, char *out) {
    const char *path = getenv("PATH");
    if (!path) path = "/bin:/usr/bin";
    size_t flen = strlen(file);
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len + 1 + flen < PATH_MAX) {
            if (len == 0) {
                memcpy(out, file, flen + 1);
            } else {
                memcpy(out, p, len);
                out[len] = '/';
                memcpy(out + len + 1, file, flen + 1);
            }
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0) return 1;
        }
        if (!end) return 0;
        p = end + 1;
    }
}

static int is_booster_exec(const char *file) {
    const char *name = base_name(file);
    return strncmp(name, "booster-exec", 12) == 0 || strcmp(name, "bk-dist-executor") == 0;
}

/* The rule catching this exec, or NULL. search: file is looked up on PATH (execvp, posix_spawnp). */
static const struct rule *find_rule(const char *file, char *const argv[], int search) {
    if (!initialized) init();
    if (nrules == 0 || !file || !*file || is_booster_exec(file)) return NULL;
    const char *arg0 = argv && argv[0] ? argv[0] : NULL;
    if (arg0 && is_booster_exec(arg0)) return NULL;
    int bare = search && !strchr(file, '/');
    char resolved[PATH_MAX];
    int found = 0; /* resolved holds file's place on PATH */
    const struct rule *hit = NULL;
    for (int i = 0; i < nrules && !hit; i++)
        if (matches(&rules[i], file) || (arg0 && matches(&rules[i], arg0))) hit = &rules[i];
    if (!hit && bare && needs_resolved && (found = resolve_on_path(file, resolved)))
        for (int i = 0; i < nrules && !hit; i++)
            if ((rules[i].kind == PATH || rules[i].kind == GLOB) && matches(&rules[i], resolved)) hit = &rules[i];
    if (!hit) return NULL;
    /* a program that is not there is not hooked: the caller sees ENOENT and may try the next PATH entry */
    if (bare) {
        if (!found && !resolve_on_path(file, resolved)) return NULL;
        if (is_booster_exec(resolved)) return NULL;
    } else if (access(file, X_OK) != 0) {
        return NULL;
    }
    return hit;
}

static size_t count(char *const list[]) {
    size_t n = 0;
    if (list)
        while (list[n]) n++;
    return n;
}

typedef int (*launch_fn)(char *const argv[], char *const envp[], void *ctx);

/* Runs the rule's target for this exec: rewritten argv, marked environment, both on the stack. */
static int launch(const struct rule *r, const char *file, char *const argv[], char *const envp[], launch_fn fn,
                  void *ctx) {
    size_t argc = count(argv);
    /* the command as the caller wrote it: a shell execs /usr/bin/gcc for "gcc", and "gcc" is what a
       worker's allowlist and a handler expect, as with PATH shims */
    int bare = argc > 0 && !strchr(argv[0], '/') && strcmp(argv[0], base_name(file)) == 0;
    const char *program = bare ? argv[0] : file;
    size_t src_words = 0;
    for (int i = 0; i < r->nwords; i++)
        if (strcmp(r->words[i], SRC_CMD) == 0) src_words++;
    char *nargv[r->nwords + src_words * (argc + 1) + 1];
    size_t n = 0;
    for (int i = 0; i < r->nwords; i++) {
        if (strcmp(r->words[i], SRC_CMD) == 0) {
            nargv[n++] = (char *)program;
            for (size_t a = 1; a < argc; a++) nargv[n++] = argv[a];
        } else {
            nargv[n++] = r->words[i];
        }
    }
    nargv[n] = NULL;

    size_t envc = count(envp);
    char *nenv[envc + 2];
    size_t e = 0;
    const char *preload = NULL;
    for (size_t i = 0; i < envc; i++) {
        if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) preload = envp[i] + 11;
        else if (strncmp(envp[i], MARKER_ENV "=", sizeof MARKER_ENV) != 0) nenv[e++] = envp[i];
    }
    /* LD_PRELOAD without this library; other preloaded libraries stay */
    char kept[preload ? strlen(preload) + 12 : 1];
    if (preload) {
        size_t k = 11;
        memcpy(kept, "LD_PRELOAD=", 11);
        for (const char *p = preload; *p;) {
            size_t len = strcspn(p, ": ");
            const char *slash = p + len;
            while (slash > p && slash[-1] != '/') slash--;
            size_t name_len = strlen(LIBRARY_NAME);
            int ours = (size_t)(p + len - slash) == name_len && strncmp(slash, LIBRARY_NAME, name_len) == 0;
            if (len > 0 && !ours) {
                if (k > 11) kept[k++] = ':';
                memcpy(kept + k, p, len);
                k += len;
            }
            p += len;
            if (*p) p++;
        }
        kept[k] = '\0';
        if (k > 11) nenv[e++] = kept;
    }
    nenv[e++] = (char *)MARKER_ENTRY;
    nenv[e] = NULL;
    return fn(nargv, nenv, ctx);
}

static int exec_target(char *const argv[], char *const envp[], void *ctx) {
    (void)ctx;
    if (strchr(argv[0], '/')) return real_execve(argv[0], argv, envp);
    return real_execvpe(argv[0], argv, envp);
}

struct spawn_ctx {
    pid_t *pid;
    const posix_spawn_file_actions_t *actions;
    const posix_spawnattr_t *attr;
};

static int spawn_target(char *const argv[], char *const envp[], void *ctx) {
    struct spawn_ctx *s = ctx;
    spawn_fn fn = strchr(argv[0], '/') ? real_posix_spawn : real_posix_spawnp;
    return fn(s->pid, argv[0], s->actions, s->attr, argv, envp);
}

static int unavailable(void) {
    errno = ENOSYS;
    return -1;
}

/* ---------- the wrapped entry points ---------- */

int execve(const char *path, char *const argv[], char *const envp[]) {
    if (!initialized) init();
    if (!real_execve) return unavailable();
    const struct rule *r = find_rule(path, argv, 0);
    if (r) return launch(r, path, argv, envp, exec_target, NULL);
    return real_execve(path, argv, envp);
}

int execv(const char *path, char *const argv[]) {
    return execve(path, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[]) {
    if (!initialized) init();
    if (!real_execvpe) return unavailable();
    const struct rule *r = find_rule(file, argv, 1);
    if (r) return launch(r, file, argv, envp, exec_target, NULL);
    return real_execvpe(file, argv, envp);
}

int execvp(const char *file, char *const argv[]) {
    return execvpe(file, argv, environ);
}

/* The variadic argument list of execl* as an argv on the caller's stack. */
#define COLLECT_ARGS(arg0, ap, argv)                      \
    size_t argc_ = 1;                                     \
    va_start(ap, arg0);                                   \
    while (va_arg(ap, char *)) argc_++;                   \
    va_end(ap);                                           \
    char *argv[argc_ + 1];                                \
    argv[0] = (char *)(arg0);                             \
    va_start(ap, arg0);                                   \
    for (size_t i_ = 1; i_ <= argc_; i_++) argv[i_] = va_arg(ap, char *);

int execl(const char *path, const char *arg, ...) {
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    va_end(ap);
    return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...) {
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    va_end(ap);
    return execvpe(file, argv, environ);
}

int execle(const char *path, const char *arg, ...) {
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    char *const *envp = va_arg(ap, char *const *); /* after the terminating NULL */
    va_end(ap);
    return execve(path, argv, envp);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
    if (!initialized) init();
    if (!real_posix_spawn) return ENOSYS;
    const struct rule *r = find_rule(path, argv, 0);
    struct spawn_ctx ctx = {pid, actions, attr};
    if (r) return launch(r, path, argv, envp, spawn_target, &ctx);
    return real_posix_spawn(pid, path, actions, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
    if (!initialized) init();
    if (!real_posix_spawnp) return ENOSYS;
    const struct rule *r = find_rule(file, argv, 1);
    struct spawn_ctx ctx = {pid, actions, attr};
    if (r) return launch(r, file, argv, envp, spawn_target, &ctx);
    return real_posix_spawnp(pid, file, actions, attr, argv, envp);
}
