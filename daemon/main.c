/* main.c - the standalone wasmstore-server binary. */
#include "daemon.h"

int main(int argc, char **argv)
{
	char name[] = "server";

	argv[0] = name;
	return ws_daemon_main(argc, argv);
}
