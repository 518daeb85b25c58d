/* errno.c - library codes as errno values, in exactly one place. */
#include <errno.h>

#include "fs.h"

int wsfs_errno(int code)
{
	switch (code) {
	case WS_OK:
		return 0;
	case WS_ENOTFOUND:
		return -ENOENT;
	case WS_EEXISTS:
		return -EEXIST;
	case WS_EINVALID: /* not WebAssembly: close() fails, cp says so */
	case WS_EINPUT:   /* a name git or the store refuses */
		return -EINVAL;
	case WS_ECONFLICT: /* compare-and-swap kept losing */
		return -EBUSY;
	case WS_ETOOBIG:
		return -EFBIG;
	default:
		return -EIO;
	}
}
