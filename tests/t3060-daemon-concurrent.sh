#!/usr/bin/env bash
# Many HTTP clients writing at once lose nothing: 8 clients x 100 uploads
# of distinct modules, while others read; git and the CLI see it all.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

cat >writers.py <<\PY
import hashlib, http.client, sys, threading

host, port, clients, uploads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
failures = []
stop_reading = threading.Event()

def module(c, i):
    # A valid module made distinct by a custom section.
    name = b"w"
    payload = b"%d-%d" % (c, i)
    section = bytes([len(name)]) + name + payload
    return b"\0asm\1\0\0\0" + bytes([0, len(section)]) + section

def writer(c):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    for i in range(uploads):
        data = module(c, i)
        conn.request("POST", "/api/v1/module/w%d/m%d.wasm" % (c, i), body=data)
        res = conn.getresponse()
        body = res.read().decode()
        if res.status != 200 or body != hashlib.sha256(data).hexdigest():
            failures.append("w%d/m%d: %d %s" % (c, i, res.status, body))

def reader():
    conn = http.client.HTTPConnection(host, port, timeout=60)
    while not stop_reading.is_set():
        conn.request("GET", "/api/v1/modules")
        res = conn.getresponse()
        res.read()
        if res.status != 200:
            failures.append("reader: %d" % res.status)

threads = [threading.Thread(target=writer, args=(c,)) for c in range(clients)]
readers = [threading.Thread(target=reader) for _ in range(2)]
for t in threads + readers:
    t.start()
for t in threads:
    t.join()
stop_reading.set()
for t in readers:
    t.join()
for c in range(clients):
    for i in range(uploads):
        print("%s\t/w%d/m%d.wasm" % (hashlib.sha256(module(c, i)).hexdigest(), c, i))
for f in failures:
    print("FAILED", f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY

test_expect_success 'setup: a daemon on a store with one commit' '
	start_daemon &&
	make_module 1 seed.wasm &&
	http POST /module/seed.wasm --data-binary @seed.wasm &&
	base=$(git_head)
'

test_expect_success '8 clients x 100 uploads at once, readers meanwhile: all 200' '
	"$PYTHON" writers.py 127.0.0.1 $PORT 8 100 >expected.list 2>err &&
	test_must_fail test -s err &&
	test $(wc -l <expected.list) = 800
'

test_expect_success 'git has one commit per upload, in one line of history' '
	git --git-dir="$WASMSTORE_ROOT" log --format=%s $base..main >log &&
	test $(wc -l <log) = 800 &&
	test $(grep -c "^add w[0-7]/m[0-9]*\.wasm$" log) = 800 &&
	sort log >sorted && sort -u log >unique && test_cmp sorted unique &&
	git --git-dir="$WASMSTORE_ROOT" fsck --no-progress >fsck 2>&1
'

test_expect_success 'the daemon lists every module with its hash' '
	http GET /modules &&
	"$PYTHON" -c "
import json, sys
for k, v in sorted(json.load(open(\"body\")).items()):
    print(v + \"\t\" + k)
" >actual &&
	{ echo "$(sha256sum <seed.wasm | cut -d" " -f1)	/seed.wasm" &&
	  cat expected.list; } | sort -t "	" -k 2 >expect &&
	sort -t "	" -k 2 actual >actual.sorted &&
	test_cmp expect actual.sorted
'

test_expect_success 'the CLI sees all of it too' '
	wasmstore list >cli.list &&
	sort -t "	" -k 2 cli.list >cli.sorted &&
	test_cmp expect cli.sorted &&
	stop_daemon
'

test_expect_success 'the access log has one whole line per upload' '
	grep -Ec "^127\.0\.0\.1 POST /api/v1/module/w[0-7]/m[0-9]+\.wasm 200 64 [0-9]+\.[0-9]{3}ms\$" \
		"$DAEMON_LOG" >count &&
	echo 800 >expect && test_cmp expect count &&
	grep -c "POST /api/v1/module/w" "$DAEMON_LOG" >count &&
	test_cmp expect count
'

test_done
