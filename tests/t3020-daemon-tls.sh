#!/usr/bin/env bash
# --tls KEY,CERT and WASMSTORE_TLS: the API over HTTPS, with a
# self-signed certificate made here.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

A_HASH=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31

test_expect_success 'setup: a self-signed certificate for 127.0.0.1' '
	tls_certificate &&
	test -s key.pem && test -s cert.pem
'

test_expect_success '--tls: HTTPS, announced as such' '
	SCHEME=https CURL_OPTS="--cacert cert.pem" &&
	start_daemon --tls key.pem,cert.pem &&
	grep "^wasmstore-server: listening on https://127.0.0.1:$PORT\$" "$DAEMON_LOG"
'

test_expect_success 'upload and download over TLS' '
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	printf $A_HASH >expect && test_cmp expect body &&
	http GET /module/a.wasm &&
	expect_head "200 OK" "Wasmstore-Hash: $A_HASH" "ETag: \"$A_HASH\"" \
		"Cache-Control: no-cache" "Content-Type: application/wasm" \
		"Content-Length: 828094" &&
	test_cmp expect.head head &&
	test_cmp "$FIXTURES/a.wasm" body &&
	http GET /modules &&
	printf "{\"/a.wasm\":\"%s\"}" $A_HASH >expect && test_cmp expect body
'

test_expect_success 'plain HTTP to the TLS port fails; the certificate is checked' '
	test_must_fail curl -sS -o /dev/null "http://127.0.0.1:$PORT/api/v1/branch" &&
	test_must_fail curl -sS -o /dev/null "https://127.0.0.1:$PORT/api/v1/branch" &&
	stop_daemon
'

test_expect_success 'WASMSTORE_TLS does the same' '
	SCHEME=https CURL_OPTS="--cacert cert.pem" &&
	WASMSTORE_TLS=key.pem,cert.pem start_daemon &&
	http GET /branch && printf main >expect && test_cmp expect body &&
	stop_daemon
'

test_expect_success 'unreadable key or malformed --tls: the daemon does not start' '
	test_expect_code 1 wasmstore-server --port 0 --tls nokey.pem,cert.pem 2>err &&
	grep "nokey.pem" err &&
	test_expect_code 2 wasmstore-server --port 0 --tls key.pem 2>err &&
	grep "KEY_FILE,CERT_FILE" err
'

test_done
