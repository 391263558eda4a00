/* Test helper for PreloadHookTest: runs `true VARIANT` (or /bin/true) through one exec/spawn call. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    const char *v = argv[1];
    char *args[] = {"true", (char *)v, NULL};
    pid_t pid;
    if (strcmp(v, "posix_spawn") == 0 || strcmp(v, "posix_spawnp") == 0) {
        int rc = strcmp(v, "posix_spawn") == 0 ? posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ)
                                               : posix_spawnp(&pid, "true", NULL, NULL, args, environ);
        if (rc != 0) return 3;
    } else {
        pid = fork();
        if (pid == 0) {
            if (strcmp(v, "execve") == 0) execve("/bin/true", args, environ);
            else if (strcmp(v, "execv") == 0) execv("/bin/true", args);
            else if (strcmp(v, "execvp") == 0) execvp("true", args);
            else if (strcmp(v, "execvpe") == 0) execvpe("true", args, environ);
            else if (strcmp(v, "execl") == 0) execl("/bin/true", "true", v, (char *)NULL);
            else if (strcmp(v, "execlp") == 0) execlp("true", "true", v, (char *)NULL);
            else if (strcmp(v, "execle") == 0) execle("/bin/true", "true", v, (char *)NULL, environ);
            _exit(127);
        }
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return 4;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 5;
}
