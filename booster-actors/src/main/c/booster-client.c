/*
 * booster-client: the short-lived side of `bin/booster --controller` (docs/booster-execution.md, "Controller").
 *
 *   booster-client SOCKET BOOSTER_SCRIPT [BOOSTER ARGS...]
 *
 * Connects to the controller on SOCKET, starting one when none answers (BOOSTER_SCRIPT with
 * TROUPE_CONTROLLER_SOCKET set, detached, its output appended to TROUPE_CONTROLLER_LOG). Sends the args, its
 * directory and environment; starts the work command the controller answers with, as its own child, so the build
 * keeps this terminal and these stdio; reports its pid and exit; prints the booster's own lines; exits with the
 * booster's exit code. When the controller declines the work, cannot be reached or started, or ends before the
 * command started, it runs BOOSTER_SCRIPT itself with TROUPE_BOOSTER_CONTROLLER=off: the booster without a
 * controller. Frames: ControllerProtocol.java.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int sock = -1;
static volatile pid_t child = 0;
static int sigpipe_fds[2] = {-1, -1};
static char **booster_argv; /* BOOSTER_SCRIPT and its args */

struct buf { char *data; size_t len, cap; };

static void buf_add(struct buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) { perror("booster-client: out of memory"); exit(1); }
        b->data = d; b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s) + 1); }

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t) w;
    }
    return 0;
}

static int read_all(int fd, char *p, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return -1;
        p += r; n -= (size_t) r;
    }
    return 0;
}

static int send_frame(char type, const char *p, size_t n) {
    unsigned char head[5] = {(unsigned char) type, (unsigned char) (n >> 24), (unsigned char) (n >> 16),
                             (unsigned char) (n >> 8), (unsigned char) n};
    if (write_all(sock, (const char *) head, 5) < 0) return -1;
    return write_all(sock, p, n);
}

/* Runs the booster without a controller: nothing of the work has started yet. */
static void run_without_controller(const char *why) {
    if (why && getenv("TROUPE_CONTROLLER_DEBUG")) fprintf(stderr, "[booster] controller not used: %s\n", why);
    setenv("TROUPE_BOOSTER_CONTROLLER", "off", 1);
    execv(booster_argv[0], booster_argv);
    fprintf(stderr, "[booster] cannot run %s: %s\n", booster_argv[0], strerror(errno));
    exit(1);
}

static int try_connect(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) return -1;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0) return fd;
    close(fd);
    return -1;
}

/* Starts a controller detached from this process (its own session; not our child), output to the log. */
static void start_controller(const char *path) {
    pid_t first = fork();
    if (first < 0) return;
    if (first == 0) {
        setsid();
        if (fork() != 0) _exit(0);
        const char *log = getenv("TROUPE_CONTROLLER_LOG");
        int out = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out >= 0) { dup2(out, 1); dup2(out, 2); }
        if (in >= 0) dup2(in, 0);
        setenv("TROUPE_CONTROLLER_SOCKET", path, 1);
        /* the controller outlives this build: it must not hold the build's other fds (make's jobserver pipe,
         * a CI runner's pipes), or whoever waits for their EOF waits for the controller */
        if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
            for (int fd = 3; fd < 1024; fd++) close(fd);
        }
        execv(booster_argv[0], booster_argv);
        _exit(127);
    }
    waitpid(first, NULL, 0);
}

/* Wakes the main loop: 0 for SIGCHLD, else a signal it sends down the command's tree (one byte each, none lost). */
static void wake(int what) {
    char c = (char) what;
    if (write(sigpipe_fds[1], &c, 1) < 0) { /* the pipe is full: a wake-up is pending anyway */ }
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    (void) context;
    int saved = errno;
    if (sig == SIGCHLD) {
        wake(0);
    } else if (child > 0) {
        /* the build decides what an interrupt means. A terminal's Ctrl-C reached the whole foreground group
           already; a kill(1) of our pid alone would not reach make under the command's bash, so the main loop
           sends it down the tree (found before the command's bash dies and its children move to init) */
        if (info != NULL && info->si_code == SI_KERNEL) {
            kill(child, sig);
        } else {
            wake(sig);
        }
    } else {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    errno = saved;
}

/* Sends sig to root and every descendant of it, found by their parent pids in /proc before any is signalled. */
static void signal_tree(pid_t root, int sig) {
    DIR *proc = opendir("/proc");
    if (!proc) return;
    size_t n = 0, cap = 256;
    pid_t *pids = malloc(cap * sizeof *pids), *parents = malloc(cap * sizeof *parents);
    struct dirent *e;
    while (pids && parents && (e = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue; /* it ended meanwhile */
        size_t got = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        line[got] = 0;
        char *name_end = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
        char state;
        long parent;
        if (!name_end || sscanf(name_end + 1, " %c %ld", &state, &parent) != 2) continue;
        if (n == cap) {
            cap *= 2;
            pid_t *p = realloc(pids, cap * sizeof *pids), *q = p ? realloc(parents, cap * sizeof *parents) : NULL;
            if (p) pids = p;
            if (q) parents = q;
            if (!p || !q) break;
        }
        pids[n] = (pid_t) pid;
        parents[n] = (pid_t) parent;
        n++;
    }
    closedir(proc);
    pid_t *tree = pids && parents ? malloc((n + 1) * sizeof *tree) : NULL;
    size_t t = 0;
    if (tree) {
        tree[t++] = root;
        for (size_t i = 0; i < t; i++) { /* breadth first: each process has one parent, so t <= n + 1 */
            for (size_t j = 0; j < n && t <= n; j++) { /* t <= n: a pid reused into a cycle cannot overrun */
                if (parents[j] == tree[i]) tree[t++] = pids[j];
            }
        }
        for (size_t i = 0; i < t; i++) kill(tree[i], sig);
    } else {
        kill(root, sig);
    }
    free(tree);
    free(pids);
    free(parents);
}

/* Reads what the signal handler wrote: each signal it left is sent down the command's whole tree. */
static void drain_wakeups(void) {
    char got[64];
    ssize_t n;
    while ((n = read(sigpipe_fds[0], got, sizeof got)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (got[i] != 0 && child > 0) signal_tree(child, got[i]);
        }
    }
}

/* Splits a payload of NUL-terminated strings into a NULL-terminated vector (pointing into the payload). */
static char **split(char *p, size_t n, size_t *count) {
    size_t cap = 16, k = 0;
    char **v = malloc(cap * sizeof *v);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            if (k + 2 > cap) { cap *= 2; v = realloc(v, cap * sizeof *v); }
            v[k++] = p + from;
            from = i + 1;
        }
    }
    v[k] = NULL;
    *count = k;
    return v;
}

/* R: cwd, argc, argv..., env... Starts the command as our child; answers P pid or p why. */
static void run_command(char *payload, size_t n) {
    size_t count;
    char **f = split(payload, n, &count);
    int argc = count >= 2 ? atoi(f[1]) : 0;
    if (count < 2 || argc < 1 || (size_t) argc + 2 > count) {
        const char *why = "malformed run frame";
        send_frame('p', why, strlen(why));
        free(f);
        return;
    }
    char **argv = calloc((size_t) argc + 1, sizeof *argv);
    for (int i = 0; i < argc; i++) argv[i] = f[2 + i];
    char **envp = f + 2 + argc;
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) { send_frame('p', "pipe failed", 11); free(argv); free(f); return; }
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGCHLD, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        int e = 0;
        if (chdir(f[0]) < 0) e = errno;
        else { execve(argv[0], argv, envp); e = errno; }
        if (write(err_pipe[1], &e, sizeof e) < 0) { /* the parent reports a start failure either way */ }
        _exit(127);
    }
    close(err_pipe[1]);
    int e = 0;
    ssize_t got;
    do { got = read(err_pipe[0], &e, sizeof e); } while (got < 0 && errno == EINTR);
    close(err_pipe[0]);
    if (pid < 0 || got == (ssize_t) sizeof e) {
        char why[512];
        snprintf(why, sizeof why, "%s %s: %s", pid < 0 ? "fork" : "cannot start /bin/sh in", pid < 0 ? "" : f[0],
                 strerror(pid < 0 ? errno : e));
        if (pid > 0) waitpid(pid, NULL, 0);
        send_frame('p', why, strlen(why));
    } else {
        child = pid;
        char text[32];
        int len = snprintf(text, sizeof text, "%ld", (long) pid);
        send_frame('P', text, (size_t) len);
    }
    free(argv);
    free(f);
}

/* Reaps the command if it ended; answers X with its exit code (128 + signal when killed). */
static void reap(void) {
    int status;
    if (child <= 0) return;
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r != child) return;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    child = -code - 1; /* ended: remembered for a controller that goes away now */
    char text[16];
    int len = snprintf(text, sizeof text, "%d", code);
    send_frame('X', text, (size_t) len);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: booster-client SOCKET BOOSTER_SCRIPT [ARGS...]\n");
        return 2;
    }
    const char *path = argv[1];
    booster_argv = argv + 2;
    signal(SIGPIPE, SIG_IGN);

    sock = try_connect(path);
    if (sock < 0) {
        start_controller(path);
        struct timespec pause = {0, 20 * 1000 * 1000};
        for (int i = 1; i <= 60 * 50 && sock < 0; i++) { /* up to 60 s: a JVM start on a loaded machine */
            nanosleep(&pause, NULL);
            sock = try_connect(path);
            /* every 3 s, another start: one that found a leaving controller's lock exits at once; the lock
               lets only one of them stay */
            if (sock < 0 && i % 150 == 0) start_controller(path);
        }
        if (sock < 0) run_without_controller("no controller answered within 60 s");
    }

    struct buf start = {0};
    char text[64];
    snprintf(text, sizeof text, "%ld", (long) getpid());
    buf_str(&start, text);
    char *cwd = getcwd(NULL, 0);
    buf_str(&start, cwd ? cwd : ".");
    buf_str(&start, isatty(2) ? "1" : "0");
    int nargs = argc - 3;
    snprintf(text, sizeof text, "%d", nargs);
    buf_str(&start, text);
    for (int i = 3; i < argc; i++) buf_str(&start, argv[i]);
    for (char **e = environ; *e; e++) buf_str(&start, *e);
    if (send_frame('S', start.data, start.len) < 0) run_without_controller("the controller closed the connection");
    free(start.data);

    if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) { perror("booster-client: pipe"); return 1; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);

    struct buf frame = {0};
    for (;;) {
        struct pollfd fds[2] = {{sock, POLLIN, 0}, {sigpipe_fds[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            perror("booster-client: poll");
            return 1;
        }
        if (fds[1].revents & POLLIN) {
            drain_wakeups();
            reap();
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        unsigned char head[5];
        if (read_all(sock, (char *) head, 5) < 0) break;
        size_t n = ((size_t) head[1] << 24) | ((size_t) head[2] << 16) | ((size_t) head[3] << 8) | head[4];
        if (n > (16u << 20)) { fprintf(stderr, "[booster] frame of %zu bytes from the controller\n", n); return 1; }
        if (frame.cap < n + 1) {
            char *d = realloc(frame.data, n + 1);
            if (!d) { perror("booster-client: out of memory"); return 1; }
            frame.data = d;
            frame.cap = n + 1;
        }
        if (n > 0 && read_all(sock, frame.data, n) < 0) break;
        frame.data[n] = 0;
        switch (head[0]) {
        case 'O': write_all(1, frame.data, n); break;
        case 'E': write_all(2, frame.data, n); break;
        case 'R': run_command(frame.data, n); break;
        case 'D': return atoi(frame.data);
        case 'F':
            if (child != 0) { fprintf(stderr, "[booster] the controller declined the work after its command started\n"); return 1; }
            run_without_controller(frame.data);
            break;
        default:
            fprintf(stderr, "[booster] unknown frame '%c' from the controller\n", head[0]);
            return 1;
        }
    }
    /* the controller is gone */
    if (child == 0) run_without_controller("the controller closed the connection before the work started");
    fprintf(stderr, "[booster] warning: the controller ended during the work; the build goes on, its sub-works run locally\n");
    while (child > 0) {
        int status;
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
        }
        if (r < 0 && errno != EINTR) return 1;
        struct pollfd wakeup = {sigpipe_fds[0], POLLIN, 0}; /* SIGCHLD, or a signal to pass on */
        if (poll(&wakeup, 1, -1) < 0 && errno != EINTR) return 1;
        drain_wakeups();
    }
    return -child - 1;
}
