/* Unit tests: long-lived handles let go of packs a merge or gc deleted. */
#include "core_fixtures.h"
#include "objbatch.h"
#include "upkeep.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

/* Open descriptors of this process on deleted pack files. */
static int deleted_packs_open(void)
{
	char link[300], target[4200];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		if ((len = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[len] = '\0';
		n += strstr(target, "/objects/pack/") && strstr(target, "(deleted)");
	}
	closedir(d);
	return n;
}

static int read_all(ws_store *s, int count)
{
	char path[32];
	ws_module_info info;

	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "m%d.wasm", i);
		if (ws_module_stat(&info, s, NULL, path) < 0)
			return -1;
	}
	return 0;
}

TEST(test_packs_gone__a_reader_reopens_after_a_merge_elsewhere)
{
	ws_store *reader = NULL, *writer = NULL;
	char path[32];

	ASSERT_OK(fixture_open(&writer, "store"));
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "m%d.wasm", i);
		ASSERT_OK(fixture_add(writer, NULL, path, (unsigned char)i, NULL));
	}
	/* a reader that has every pack open */
	ASSERT_OK(fixture_open(&reader, "store"));
	ASSERT_OK(read_all(reader, 6));
	ws_upkeep__drain(); /* old databases are freed in the background */
	ASSERT(deleted_packs_open() == 0);

	/* merge everything into one pack: the six small ones are deleted */
	ASSERT(ws_store__pack_consolidate(writer, 1) == 1);
	ASSERT(deleted_packs_open() > 0); /* the reader still holds them */

	/* each handle's next operation notices and lets them go (the
	 * writer's, and its commit queue's at the next write); reads work */
	ASSERT_OK(read_all(reader, 6));
	ASSERT_OK(read_all(writer, 6));
	ASSERT_OK(fixture_add(writer, NULL, "m6.wasm", 6, NULL));
	ws_upkeep__drain(); /* old databases are freed in the background */
	ASSERT(deleted_packs_open() == 0);
	ASSERT_OK(read_all(reader, 7));
	ws_store_free(reader);
	ws_store_free(writer);
}

TEST(test_packs_gone__the_commit_queue_handle_reopens_too)
{
	ws_store *s = NULL;
	char path[32];

	ASSERT_OK(fixture_open(&s, "store"));
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "m%d.wasm", i);
		ASSERT_OK(fixture_add(s, NULL, path, (unsigned char)i, NULL));
	}
	ws_upkeep__drain(); /* no merge of the adds' own is under way */
	ASSERT(ws_store__pack_consolidate(s, 1) == 1);
	/* the next batch drops the queue handle's deleted packs, and its
	 * objects still go to a pack of their own */
	ASSERT_OK(fixture_add(s, NULL, "m4.wasm", 4, NULL));
	ASSERT_OK(read_all(s, 5));
	ws_upkeep__drain(); /* old databases are freed in the background */
	ASSERT(deleted_packs_open() == 0);
	ws_store_free(s);
}
