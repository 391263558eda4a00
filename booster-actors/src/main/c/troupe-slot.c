/*
 * troupe-slot: one worker slot's long-lived launcher (docs/security.md, "Reused slot sandboxes").
 *
 * The worker starts it once per slot, already inside the slot's bubblewrap namespaces and as the sandbox
 * user, so a sub-work no longer pays prlimit + bwrap + setpriv. Per sub-work the worker sends one request
 * on its stdin; this program forks, applies the rlimits in the child (fresh per sub-work: RLIMIT_CPU
 * counts per process), puts the child in its own process group and execs it. When the child ends, every
 * other process it left behind is killed (the whole PID namespace with --pidns, else its process group),
 * System V IPC objects it made are removed, and the exit status is reported.
 *
 * Usage: troupe-slot [--pidns] [--cpu SECS] [--as BYTES] [--fsize BYTES] [--nproc N]
 * --pidns: it is the init of the slot's own PID namespace (bwrap --as-pid-1), and refuses to start as any other pid.
 *
 * Control protocol. Requests on stdin, each "<decimal length>\n" then that many bytes of NUL-terminated
 * fields:
 *   run  : "run" cwd stdin stdout stderr argc argv... envc env...
 *   pipe : "pipe" cwd stdin stdout stderr argc argv... argc2 argv2... envc env...   the first command's stdout
 *          piped to the second's stdin, as `gcc -pipe` runs cc1 and as: the sub-work's process (the group leader)
 *          forks both and exits with the first's status when that is not 0, else the second's
 *   kill : "kill" pid    kills the running sub-work's group (and with --pidns everything but this program), if
 *                        pid is still the running one (a late kill never reaches the slot's next sub-work)
 * Replies on stdout, one line each: "ready" once at start, "started <pid>", "exit <code>" (128 + signal
 * for a signal, like a shell), "error <message>" when a request cannot be run.
 * EOF on stdin (the worker is gone) kills everything and exits.
 *
 * It has no controlling terminal, so no sub-work can push input into the worker's terminal (TIOCSTI): it drops
 * the worker's with TIOCNOTTY, or else starts a session of its own, and refuses to start while it still has one.
 * Not a session per slot by default: a session is a scheduler autogroup of its own, which made every compile in
 * the slot 2-3 times as slow on a busy machine (docs/performance.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int pidns;
static long long lim_cpu = -1, lim_as = -1, lim_fsize = -1, lim_nproc = -1;
static int sigpipe_fds[2];
static pid_t child = -1;

static void reply(const char *format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line - 1, format, args);
    va_end(args);
    if (n < 0) {
        return;
    }
    if (n > (int) sizeof line - 2) {
        n = sizeof line - 2;
    }
    line[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = write(1, line + off, n - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            _exit(3); /* the worker is gone */
        }
        off += w;
    }
}

static void on_sigchld(int sig) {
    (void) sig;
    int saved = errno;
    (void) !write(sigpipe_fds[1], "c", 1);
    errno = saved;
}

static void set_limit(int resource, long long value) {
    if (value >= 0) {
        struct rlimit limit = {(rlim_t) value, (rlim_t) value};
        setrlimit(resource, &limit);
    }
}

/* The System V IPC objects of this slot's IPC namespace (only ours with --pidns, which comes with one). */
static void remove_ipc(void) {
    const char *files[] = {"/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg"};
    for (int kind = 0; kind < 3; kind++) {
        FILE *in = fopen(files[kind], "r");
        if (in == NULL) {
            continue;
        }
        char line[1024];
        int first = 1;
        while (fgets(line, sizeof line, in) != NULL) {
            long key, id;
            if (first) {
                first = 0; /* the header */
                continue;
            }
            if (sscanf(line, "%ld %ld", &key, &id) != 2) {
                continue;
            }
            if (kind == 0) {
                shmctl((int) id, IPC_RMID, NULL);
            } else if (kind == 1) {
                semctl((int) id, 0, IPC_RMID);
            } else {
                msgctl((int) id, IPC_RMID, NULL);
            }
        }
        fclose(in);
    }
}

/* Kills what the sub-work left: everything else in the PID namespace, or its process group. */
static void kill_leftovers(pid_t group) {
    if (group > 0) {
        kill(-group, SIGKILL);
    }
    if (pidns) {
        kill(-1, SIGKILL); /* in our own namespace: all but its init and this program */
        /* this program is their subreaper: when wait says no child is left, nothing of the sub-work runs */
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
        }
        remove_ipc();
    } else {
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
}

static void child_fail(const char *what, const char *name) {
    dprintf(2, "troupe-slot: %s '%s': %s\n", what, name, strerror(errno));
    _exit(127);
}

static void redirect(const char *path, int fd, int flags) {
    int opened = open(path, flags, 0644);
    if (opened < 0) {
        child_fail("cannot open", path);
    }
    if (opened != fd) {
        dup2(opened, fd);
        close(opened);
    }
}

/* The exit status of a finished process as a shell reports it: its code, or 128 + the signal. */
static int status_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In the sub-work's process: runs first | second and exits with the first's status if it failed, else the second's. */
static void run_pipe(char **first, char **second) {
    int fds[2];
    if (pipe(fds) != 0) {
        child_fail("cannot make a pipe for", first[0]);
    }
    pid_t pids[2];
    char **commands[2] = {first, second};
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            dup2(fds[i == 0 ? 1 : 0], i == 0 ? 1 : 0);
            close(fds[0]);
            close(fds[1]);
            execvp(commands[i][0], commands[i]);
            child_fail("cannot run", commands[i][0]);
        }
        if (pids[i] < 0) {
            child_fail("cannot fork for", commands[i][0]);
        }
    }
    close(fds[0]);
    close(fds[1]);
    int codes[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        int status;
        while (waitpid(pids[i], &status, 0) < 0) {
            if (errno != EINTR) {
                _exit(127);
            }
        }
        codes[i] = status_code(status);
    }
    _exit(codes[0] != 0 ? codes[0] : codes[1]);
}

static void start(char **fields, int count, int piped) {
    /* run cwd stdin stdout stderr argc argv... envc env...; pipe: a second argc argv... before envc */
    if (count < 7) {
        reply("error malformed run request");
        return;
    }
    int argc = atoi(fields[5]);
    if (argc < 1 || 6 + argc >= count) {
        reply("error malformed argv in run request");
        return;
    }
    int at = 6 + argc; /* the second command's argc, or envc */
    int argc2 = 0;
    if (piped) {
        argc2 = atoi(fields[at]);
        if (argc2 < 1 || at + 1 + argc2 >= count) {
            reply("error malformed second argv in pipe request");
            return;
        }
        at += 1 + argc2;
    }
    int envc = atoi(fields[at]);
    if (envc < 0 || at + 1 + envc != count) {
        reply("error malformed environment in run request");
        return;
    }
    if (child > 0) {
        reply("error a sub-work is still running in this slot");
        return;
    }
    char **argv = calloc(argc + 1, sizeof *argv);
    char **argv2 = calloc(argc2 + 1, sizeof *argv2);
    char **envp = calloc(envc + 1, sizeof *envp);
    if (argv == NULL || argv2 == NULL || envp == NULL) {
        reply("error out of memory");
        free(argv);
        free(argv2);
        free(envp);
        return;
    }
    memcpy(argv, fields + 6, argc * sizeof *argv);
    if (piped) {
        memcpy(argv2, fields + 7 + argc, argc2 * sizeof *argv2);
    }
    memcpy(envp, fields + at + 1, envc * sizeof *envp);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL); /* ignored here, and an ignored signal stays ignored across exec */
        signal(SIGCHLD, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* the control pipes become the files: the sub-work can never talk to the worker */
        redirect(fields[4], 2, O_WRONLY | O_CREAT | O_TRUNC); /* first: later failures are told there */
        redirect(fields[2], 0, O_RDONLY);
        redirect(fields[3], 1, O_WRONLY | O_CREAT | O_TRUNC);
        if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
            for (int fd = 3; fd < 1024; fd++) {
                close(fd);
            }
        }
        if (chdir(fields[1]) != 0) {
            child_fail("cannot change to", fields[1]);
        }
        set_limit(RLIMIT_CPU, lim_cpu);
        set_limit(RLIMIT_AS, lim_as);
        set_limit(RLIMIT_FSIZE, lim_fsize);
        set_limit(RLIMIT_NPROC, lim_nproc);
        environ = envp; /* execvp looks the name up on the sub-work's own PATH */
        if (piped) {
            run_pipe(argv, argv2);
        }
        execvp(argv[0], argv);
        child_fail("cannot run", argv[0]);
    }
    free(argv);
    free(argv2);
    free(envp);
    if (pid < 0) {
        reply("error fork: %s", strerror(errno));
        return;
    }
    setpgid(pid, pid);
    child = pid;
    reply("started %d", (int) pid);
}

static void reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid != child) {
            continue; /* something the sub-work left, reparented here */
        }
        int code = status_code(status);
        kill_leftovers(child);
        child = -1;
        reply("exit %d", code);
        return;
    }
}

static void handle(char *message, size_t length) {
    size_t slots = 1;
    for (size_t at = 0; at < length; at++) {
        slots += message[at] == '\0';
    }
    char **fields = calloc(slots, sizeof *fields);
    if (fields == NULL) {
        reply("error out of memory");
        return;
    }
    int count = 0;
    for (size_t at = 0; at < length && (size_t) count < slots;) {
        fields[count++] = message + at;
        at += strnlen(message + at, length - at) + 1;
    }
    if (count == 0) {
        reply("error empty request");
    } else if (strcmp(fields[0], "run") == 0) {
        start(fields, count, 0);
    } else if (strcmp(fields[0], "pipe") == 0) {
        start(fields, count, 1);
    } else if (strcmp(fields[0], "kill") == 0) {
        if (child > 0 && count > 1 && atoi(fields[1]) == (int) child) {
            kill(-child, SIGKILL);
            if (pidns) {
                kill(-1, SIGKILL);
            }
        }
    } else {
        reply("error unknown request '%s'", fields[0]);
    }
    free(fields);
}

/* The controlling terminal's device number (field 7 of /proc/self/stat), 0 for none, -1 when unreadable. */
static long controlling_tty(void) {
    FILE *in = fopen("/proc/self/stat", "r");
    if (in == NULL) {
        return -1;
    }
    char line[1024];
    size_t n = fread(line, 1, sizeof line - 1, in);
    fclose(in);
    line[n] = '\0';
    char *end = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    long tty;
    if (end == NULL || sscanf(end + 1, " %*c %*d %*d %*d %ld", &tty) != 1) {
        return -1;
    }
    return tty;
}

/* Leaves the controlling terminal inherited from the worker (see the top); 0 when there is none left. */
static int drop_terminal(void) {
    if (controlling_tty() == 0) {
        return 0;
    }
    /* not a session leader: TIOCNOTTY detaches this process only, the worker keeps its terminal */
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty >= 0) {
        ioctl(tty, TIOCNOTTY);
        close(tty);
    }
    if (controlling_tty() != 0) {
        setsid(); /* no /dev/tty to ask: a session of its own has no terminal */
    }
    return controlling_tty() == 0 ? 0 : -1;
}

static long long number(const char *flag, const char *value) {
    char *end;
    errno = 0;
    long long n = value == NULL ? -1 : strtoll(value, &end, 10);
    if (value == NULL || errno != 0 || *end != '\0' || n < 0) {
        fprintf(stderr, "troupe-slot: %s needs a non-negative number, got '%s'\n", flag, value ? value : "");
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pidns") == 0) {
            pidns = 1;
        } else if (strcmp(argv[i], "--cpu") == 0) {
            lim_cpu = number(argv[i], argv[i + 1]), i++;
        } else if (strcmp(argv[i], "--as") == 0) {
            lim_as = number(argv[i], argv[i + 1]), i++;
        } else if (strcmp(argv[i], "--fsize") == 0) {
            lim_fsize = number(argv[i], argv[i + 1]), i++;
        } else if (strcmp(argv[i], "--nproc") == 0) {
            lim_nproc = number(argv[i], argv[i + 1]), i++;
        } else {
            fprintf(stderr, "troupe-slot: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (pidns && getpid() != 1) {
        /* kill(-1) after each sub-work is only safe as the init of a PID namespace of its own */
        fprintf(stderr, "troupe-slot: --pidns needs a PID namespace of its own with this program as its init "
                "(bwrap --unshare-pid --as-pid-1), but it is pid %d: it would kill every process it may signal\n",
                (int) getpid());
        return 2;
    }
    if (drop_terminal() != 0) {
        fprintf(stderr, "troupe-slot: cannot leave the controlling terminal (/proc/self/stat says tty %ld)\n",
                controlling_tty());
        return 1;
    }
    /* Not dumpable: a sub-work runs as the same user, and could otherwise ptrace this launcher (or read its
     * memory through /proc/1/mem), stop it from cleaning up, and reach later sub-works of the slot. A child's
     * execve makes the sub-work dumpable again for its own processes. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        perror("troupe-slot: prctl(PR_SET_DUMPABLE)");
        return 1;
    }
    if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("troupe-slot: pipe");
        return 1;
    }
    fcntl(0, F_SETFD, FD_CLOEXEC);
    fcntl(1, F_SETFD, FD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigchld;
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of a sub-work come here, to be reaped and counted gone */
    reply("ready");

    size_t capacity = 1 << 16, used = 0;
    char *buffer = malloc(capacity);
    if (buffer == NULL) {
        return 1;
    }
    for (;;) {
        struct pollfd fds[2] = {{0, POLLIN, 0}, {sigpipe_fds[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 1;
        }
        if (fds[1].revents & POLLIN) {
            char drain[64];
            while (read(sigpipe_fds[0], drain, sizeof drain) > 0) {
            }
            reap();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (used == capacity) {
                capacity *= 2;
                char *grown = realloc(buffer, capacity);
                if (grown == NULL) {
                    return 1;
                }
                buffer = grown;
            }
            ssize_t n = read(0, buffer + used, capacity - used);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                kill_leftovers(child); /* the worker is gone, or closed this slot */
                return 0;
            }
            used += n;
            for (;;) {
                char *newline = memchr(buffer, '\n', used);
                if (newline == NULL) {
                    break;
                }
                size_t header = newline - buffer + 1;
                size_t length = strtoul(buffer, NULL, 10);
                if (used < header + length) {
                    if (header + length > capacity) {
                        char *grown = realloc(buffer, header + length);
                        if (grown == NULL) {
                            return 1;
                        }
                        buffer = grown;
                        capacity = header + length;
                    }
                    break;
                }
                handle(buffer + header, length);
                memmove(buffer, buffer + header + length, used - header - length);
                used -= header + length;
            }
        }
    }
}
