/*
 * readloop.c - readloop FILE N: opens, reads whole and closes FILE N times;
 * prints "<ops/s> <MB/s>". Times file reads without a process per read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct timespec a, b;
	long long total = 0;
	int n;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: readloop FILE N\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		int fd = open(argv[1], O_RDONLY);
		ssize_t r;
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			total += r;
		if (r < 0) {
			perror("read");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.1f %.1f\n", n / dt, (double)total / dt / 1048576.0);
	return 0;
}
