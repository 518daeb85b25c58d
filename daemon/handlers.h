/*
 * handlers.h - one function per route (route.c holds the table).
 * Each answers the request through reply.h.
 */
#ifndef WS_DAEMON_HANDLERS_H
#define WS_DAEMON_HANDLERS_H

#include "server.h"

/* h_module.c */
enum MHD_Result ws_h_modules(struct ws_request *req);
enum MHD_Result ws_h_module_get(struct ws_request *req);
enum MHD_Result ws_h_module_delete(struct ws_request *req);
enum MHD_Result ws_h_hash_get(struct ws_request *req);
enum MHD_Result ws_h_hash_set(struct ws_request *req);
enum MHD_Result ws_h_version(struct ws_request *req);

/* upload.c: POST /module/ *path */
enum MHD_Result ws_h_module_add(struct ws_request *req);

/* h_branch.c */
enum MHD_Result ws_h_branch_get(struct ws_request *req);
enum MHD_Result ws_h_branch_switch(struct ws_request *req);
enum MHD_Result ws_h_branch_create(struct ws_request *req);
enum MHD_Result ws_h_branch_delete(struct ws_request *req);
enum MHD_Result ws_h_branches(struct ws_request *req);
enum MHD_Result ws_h_merge(struct ws_request *req);

/* h_history.c */
enum MHD_Result ws_h_snapshot(struct ws_request *req);
enum MHD_Result ws_h_commit(struct ws_request *req);
enum MHD_Result ws_h_versions(struct ws_request *req);
enum MHD_Result ws_h_restore(struct ws_request *req);
enum MHD_Result ws_h_rollback(struct ws_request *req);
enum MHD_Result ws_h_gc(struct ws_request *req);

/* websocket.c */
enum MHD_Result ws_h_watch(struct ws_request *req);

/* route.c */
enum MHD_Result ws_h_auth(struct ws_request *req);

#endif
