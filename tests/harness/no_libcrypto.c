/* See no_libcrypto.h. */
#include "no_libcrypto.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV_DIR "BH_NO_LIBCRYPTO_DIR"

bool no_libcrypto_child(void)
{
	return getenv(ENV_DIR) != NULL;
}

int no_libcrypto_run(char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], lib[600];
	snprintf(dir, sizeof(dir), "%s/bh-nocrypto-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("no_libcrypto: mkdtemp");
		return 1;
	}
	snprintf(lib, sizeof(lib), "%s/libcrypto.so.3", dir);
	int fd = open(lib, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	static const char text[] = "not a shared library\n";
	bool made = fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1;
	if (fd >= 0)
		close(fd);
	int status = 1;
	pid_t pid = made ? fork() : -1;
	if (pid == 0) {
		setenv(ENV_DIR, dir, 1);
		setenv("LD_LIBRARY_PATH", dir, 1);
		execv("/proc/self/exe", argv);
		perror("no_libcrypto: exec");
		_exit(127);
	}
	int ws;
	if (pid > 0 && waitpid(pid, &ws, 0) == pid)
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
	else
		perror("no_libcrypto: run");
	unlink(lib);
	rmdir(dir);
	return status;
}

int libcrypto_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libcrypto.so"))
			found = 1;
	fclose(f);
	return found;
}
