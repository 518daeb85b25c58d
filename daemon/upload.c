/* upload.c - POST /module/ *path, streamed into the store. */
#include "upload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "reply.h"

static int declared_length(struct ws_request *req, unsigned long long *out)
{
	const char *v = MHD_lookup_connection_value(
		req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;

	if (!v)
		return 0;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return (end != v && !*end && !errno) ? 1 : 0;
}

enum MHD_Result ws_upload_start(struct ws_request *req)
{
	size_t max = req->server->cfg->max_module_size;
	unsigned long long length;
	ws_store *store;
	char *path = NULL;
	int error;

	/* Refused before a byte of the body is read. */
	if ((error = ws_path_normalize(&path, req->rest)) < 0)
		return ws_reply_error(req, error);
	free(path);
	if (req->branch && (error = ws_branch_name_check(req->branch)) < 0)
		return ws_reply_error(req, error);
	if (declared_length(req, &length) && length > max)
		return ws_reply_error(
			req, ws_error_set(WS_ETOOBIG,
					  "module larger than %zu bytes", max));
	if (!(store = ws_request_store(req)))
		return ws_reply_error(req, WS_ERROR);
	/* Each connection stays on one worker thread, so the upload may use
	 * this thread's store until the request completes. */
	if ((error = ws_upload_new(&req->upload, store)) < 0)
		return ws_reply_error(req, error);
	return MHD_YES;
}

void ws_upload_feed(struct ws_request *req, const char *data, size_t len)
{
	int error;

	if (req->upload_error || !req->upload)
		return;
	if ((error = ws_upload_write(req->upload, data, len)) < 0) {
		/* MHD cannot answer before the body is in: remember why,
		 * drop what was staged and read the rest into nowhere. */
		req->upload_error = error;
		req->upload_message = strdup(ws_error_last());
		ws_upload_free(req->upload);
		req->upload = NULL;
	}
}

enum MHD_Result ws_h_module_add(struct ws_request *req)
{
	char hash[WS_HASH_HEXSIZE + 1];
	int error;

	if (req->upload_error) {
		error = ws_error_set(req->upload_error, "%s",
				     req->upload_message ? req->upload_message
							 : "upload failed");
		return ws_reply_error(req, error);
	}
	/* concurrent uploads validate in parallel; the library batches
	 * their commits (lib/commitqueue.c) */
	error = ws_upload_commit(hash, req->upload, req->branch, req->rest);
	ws_upload_free(req->upload);
	req->upload = NULL;
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_text(req, MHD_HTTP_OK, hash);
}
