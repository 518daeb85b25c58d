/* Unit tests: pack merges and freeing old databases happen on the upkeep
 * thread, and ws_upkeep__drain waits for them. */
#include "core_fixtures.h"
#include "store.h"
#include "upkeep.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_packs(const char *root)
{
	char dir[4200];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/objects/pack", root);
	if (!(d = opendir(dir)))
		return -1;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".idx") != NULL;
	closedir(d);
	return n;
}

static int add_many(ws_store *s, int from, int count)
{
	char path[32];

	for (int i = from; i < from + count; i++) {
		snprintf(path, sizeof(path), "m%d.wasm", i);
		if (fixture_add(s, NULL, path, (unsigned char)i, NULL) < 0)
			return -1;
	}
	return 0;
}

TEST(test_upkeep__writers_packs_are_merged_in_the_background)
{
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	/* one pack per add; every 8th batch asks for a merge down to 16
	 * packs, which may list them a few adds later */
	ASSERT_OK(add_many(s, 0, 40));
	ws_upkeep__drain();
	ASSERT(count_packs(ws_store_root(s)) <= 16 + 8);
	ASSERT(count_packs(ws_store_root(s)) >= 1);
	ws_upkeep__merge(ws_store_root(s), 1);
	ws_upkeep__drain();
	ASSERT(count_packs(ws_store_root(s)) == 1);
	for (int i = 0; i < 40; i++) {
		char path[32];
		snprintf(path, sizeof(path), "m%d.wasm", i);
		ASSERT(ws_module_contains(s, NULL, path) == 1);
	}
	ws_store_free(s);
}

TEST(test_upkeep__a_forked_child_has_a_thread_of_its_own)
{
	ws_store *s = NULL;
	int status = -1;
	pid_t pid;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_many(s, 0, 5));
	ws_upkeep__drain();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		/* the parent's thread is not here: the child's merge must
		 * still run, and its drain return */
		ws_upkeep__merge(ws_store_root(s), 1);
		ws_upkeep__drain();
		_exit(count_packs(ws_store_root(s)) == 1 ? 0 : 1);
	}
	ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT(count_packs(ws_store_root(s)) == 1);
	/* and the parent's thread still works */
	ASSERT_OK(add_many(s, 5, 3));
	ws_upkeep__merge(ws_store_root(s), 1);
	ws_upkeep__drain();
	ASSERT(count_packs(ws_store_root(s)) == 1);
	ws_store_free(s);
}

TEST(test_upkeep__an_old_database_is_freed_by_the_thread)
{
	ws_store *s = NULL;
	git_odb *odb = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_many(s, 0, 2));
	ASSERT(git_repository_odb(&odb, s->repo) == 0);
	ASSERT_OK(ws_store__open_odb(s)); /* the repository lets go of it */
	ws_upkeep__free_odb(odb);         /* the last reference */
	ws_upkeep__drain();
	ASSERT(ws_module_contains(s, NULL, "m1.wasm") == 1);
	ws_store_free(s);
}
