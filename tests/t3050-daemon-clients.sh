#!/usr/bin/env bash
# The calls the existing JS, Python, Go and Rust clients make, in their
# order and with their exact URLs (upstream client/*): what each client
# checks of the answer must hold.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

A_HASH=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31

# The replay: one line "METHOD URL STATUS" per request on stdout; any
# expectation of a client that fails raises (exit 1).
cat >replay.py <<\PY
import asyncio, hashlib, http.client, json, re, sys

host, port, a_path, m2_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
auth = sys.argv[5] if len(sys.argv) > 5 else None
conn = http.client.HTTPConnection(host, port)  # keep-alive, like the clients

def req(method, url, body=None, branch=None):
    headers = {}
    if auth:
        headers["Wasmstore-Auth"] = auth
    if branch:
        headers["Wasmstore-Branch"] = branch
    conn.request(method, url, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read()
    print(method, url, res.status)
    return res, data

def sha(b):
    return hashlib.sha256(b).hexdigest()

def ok(res):  # fetch's res.ok, requests' res.ok, Go's code == 200
    return 200 <= res.status < 300

def check(cond, what):
    if not cond:
        raise SystemExit("client expectation failed: " + what)

a = open(a_path, "rb").read()
m2 = open(m2_path, "rb").read()
V1 = "/api/v1"

# list(): JS, Go and Rust ask for "/modules/" + "", Python for "/modules"
res, body = req("GET", V1 + "/modules/")
listing = json.loads(body)
check(isinstance(listing, dict) and len(listing) == 2, "list is an object")
res, body = req("GET", V1 + "/modules")
check(json.loads(body) == listing, "both list URLs agree")

# Go's test: find(k) and find(v) for each entry; k starts with "/"
for k, v in sorted(listing.items()):
    check(k.startswith("/"), "keys start with /")
    res, by_path = req("GET", V1 + "/module/" + k)
    check(res.status == 200 and sha(by_path) == v, "find " + k)
    check(res.getheader("Wasmstore-Hash") == v, "Rust reads Wasmstore-Hash")
    check(res.getheader("Content-Type") == "application/wasm",
          "instantiateStreaming needs application/wasm")
    res, by_hash = req("GET", V1 + "/module/" + v)
    check(res.status == 200 and by_hash == by_path, "find by hash")

# Python's find() strips the leading "/"
res, body = req("GET", V1 + "/module/a.wasm")
check(body == a, "python find")
res, body = req("GET", V1 + "/hash/a.wasm")
check(body.decode() == sha(a), "hash")
res, body = req("GET", V1 + "/hash/missing.wasm")
check(res.status == 404, "hash of nothing: 404 (None)")
res, body = req("GET", V1 + "/module/missing.wasm")
check(res.status == 404, "find of nothing: 404 (null)")

# snapshot + commitInfo (Go's test, Rust's basic_test)
res, body = req("GET", V1 + "/snapshot")
snap = body.decode()
check(re.fullmatch("[0-9a-f]{40}", snap), "snapshot is a commit hash")
res, body = req("GET", V1 + "/commit/" + snap)
info = json.loads(body)
check(info["hash"] == snap and isinstance(info["parents"], list)
      and isinstance(info["date"], int) and isinstance(info["author"], str)
      and isinstance(info["message"], str), "CommitInfo fields")

res, body = req("GET", V1 + "/versions/a.wasm")
versions = json.loads(body)
check(len(versions) == 1 and versions[0][0] == sha(a)
      and re.fullmatch("[0-9a-f]{40}", versions[0][1]), "versions")

# add, set, contains, delete
res, body = req("POST", V1 + "/module/new.wasm", m2)
check(body.decode() == sha(m2), "add returns the hash")
res, body = req("POST", V1 + "/hash/" + sha(m2) + "/copy.wasm")
check(ok(res), "set")
res, body = req("HEAD", V1 + "/module/copy.wasm")
check(ok(res) and body == b"", "contains: true")
res, body = req("HEAD", V1 + "/module/" + sha(m2))
check(ok(res), "contains by hash: true")
res, body = req("POST", V1 + "/module/goset.wasm", m2)  # Go's Set
check(res.status == 200, "Go Set")
res, body = req("DELETE", V1 + "/module/copy.wasm")
check(ok(res), "delete")
res, body = req("HEAD", V1 + "/module/copy.wasm")
check(not ok(res), "contains: false")

# branches
res, body = req("GET", V1 + "/branches")
check(json.loads(body) == ["main"], "branches")
res, body = req("POST", V1 + "/branch/feature")
check(ok(res), "createBranch")
res, body = req("POST", V1 + "/module/feat.wasm", m2, branch="feature")
check(ok(res), "add on a branch (client built with a branch)")
res, body = req("GET", V1 + "/branches")
check(json.loads(body) == ["feature", "main"], "branches after create")
res, body = req("POST", V1 + "/merge/feature")
check(ok(res), "merge")
res, body = req("GET", V1 + "/hash/feat.wasm")
check(body.decode() == sha(m2), "merged")
res, body = req("DELETE", V1 + "/branch/feature")
check(ok(res), "deleteBranch")

# restore: JS "/restore/" + h, Go "/restore/" + h + "/", Rust restore_path
res, body = req("POST", V1 + "/restore/" + snap)
check(ok(res), "restore (JS, Rust)")
res, body = req("GET", V1 + "/modules/")
check(json.loads(body) == listing, "restored the listing")
res, body = req("POST", V1 + "/restore/" + snap + "/")
check(ok(res), "restore (Go)")
res, body = req("POST", V1 + "/module/a.wasm", m2)
res, body = req("POST", V1 + "/restore/" + snap + "/a.wasm")
check(ok(res), "restore_path (Rust)")
res, body = req("GET", V1 + "/hash/a.wasm")
check(body.decode() == sha(a), "path restored")

# rollback: JS and Go "/rollback/" + "", Python "/rollback", with a path
res, body = req("POST", V1 + "/module/r1.wasm", m2)
res, body = req("POST", V1 + "/rollback/")
check(ok(res), "rollback (JS, Go)")
res, body = req("HEAD", V1 + "/module/r1.wasm")
check(res.status == 404, "rolled back")
res, body = req("POST", V1 + "/module/r2.wasm", m2)
res, body = req("POST", V1 + "/rollback")
check(ok(res), "rollback (Python)")
res, body = req("POST", V1 + "/module/a.wasm", m2)
res, body = req("POST", V1 + "/rollback/a.wasm")
check(ok(res), "rollback of a path")
res, body = req("GET", V1 + "/hash/a.wasm")
check(body.decode() == sha(a), "path rolled back")

res, body = req("POST", V1 + "/gc")
check(ok(res), "gc")
for m in ("GET", "POST", "PUT", "DELETE", "HEAD"):
    res, body = req(m, V1 + "/auth")
    check(ok(res), "auth " + m)

# watch: JS does new WebSocket(url.replace("http", "ws") + "/watch")
import websockets
async def watch():
    headers = {"Wasmstore-Auth": auth} if auth else {}
    async with websockets.connect("ws://%s:%d%s/watch" % (host, port, V1),
                                  extra_headers=headers) as ws:
        print("WS", V1 + "/watch", "open")
        req("POST", V1 + "/module/watched.wasm", m2)
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(msg == {"/watched.wasm": {"action": "added", "hash": sha(m2)}},
              "watch message " + repr(msg))
        print("WS message", json.dumps(msg, sort_keys=True))
asyncio.run(watch())
PY

test_expect_success 'setup: a store with two modules, a daemon' '
	make_module 1 m1.wasm && make_module 2 m2.wasm &&
	M1=$(sha256sum <m1.wasm | cut -d" " -f1) &&
	M2=$(sha256sum <m2.wasm | cut -d" " -f1) &&
	start_daemon &&
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	http POST /module/dir/m1.wasm --data-binary @m1.wasm
'

# The transcript every run must give (requests as the clients send them).
write_expected() {
	cat >expect <<-EOF
	GET /api/v1/modules/ 200
	GET /api/v1/modules 200
	GET /api/v1/module//a.wasm 200
	GET /api/v1/module/$A_HASH 200
	GET /api/v1/module//dir/m1.wasm 200
	GET /api/v1/module/$M1 200
	GET /api/v1/module/a.wasm 200
	GET /api/v1/hash/a.wasm 200
	GET /api/v1/hash/missing.wasm 404
	GET /api/v1/module/missing.wasm 404
	GET /api/v1/snapshot 200
	GET /api/v1/commit/$1 200
	GET /api/v1/versions/a.wasm 200
	POST /api/v1/module/new.wasm 200
	POST /api/v1/hash/$M2/copy.wasm 200
	HEAD /api/v1/module/copy.wasm 200
	HEAD /api/v1/module/$M2 200
	POST /api/v1/module/goset.wasm 200
	DELETE /api/v1/module/copy.wasm 200
	HEAD /api/v1/module/copy.wasm 404
	GET /api/v1/branches 200
	POST /api/v1/branch/feature 200
	POST /api/v1/module/feat.wasm 200
	GET /api/v1/branches 200
	POST /api/v1/merge/feature 200
	GET /api/v1/hash/feat.wasm 200
	DELETE /api/v1/branch/feature 200
	POST /api/v1/restore/$1 200
	GET /api/v1/modules/ 200
	POST /api/v1/restore/$1/ 200
	POST /api/v1/module/a.wasm 200
	POST /api/v1/restore/$1/a.wasm 200
	GET /api/v1/hash/a.wasm 200
	POST /api/v1/module/r1.wasm 200
	POST /api/v1/rollback/ 200
	HEAD /api/v1/module/r1.wasm 404
	POST /api/v1/module/r2.wasm 200
	POST /api/v1/rollback 200
	POST /api/v1/module/a.wasm 200
	POST /api/v1/rollback/a.wasm 200
	GET /api/v1/hash/a.wasm 200
	POST /api/v1/gc 200
	GET /api/v1/auth 200
	POST /api/v1/auth 200
	PUT /api/v1/auth 200
	DELETE /api/v1/auth 200
	HEAD /api/v1/auth 200
	WS /api/v1/watch open
	POST /api/v1/module/watched.wasm 200
	WS message {"/watched.wasm": {"action": "added", "hash": "$M2"}}
	EOF
}

test_expect_success 'the clients calls, in order, all answered as they expect' '
	snap=$(git_head) &&
	write_expected $snap &&
	"$PYTHON" replay.py 127.0.0.1 $PORT "$FIXTURES/a.wasm" m2.wasm >actual &&
	test_cmp expect actual &&
	stop_daemon
'

test_expect_success 'the same with an API key, as clients built with auth send it' '
	rm -rf "$WASMSTORE_ROOT" &&
	start_daemon --auth "client-key:*" &&
	http POST /module/a.wasm -H "Wasmstore-Auth: client-key" \
		--data-binary @"$FIXTURES/a.wasm" &&
	http POST /module/dir/m1.wasm -H "Wasmstore-Auth: client-key" \
		--data-binary @m1.wasm &&
	snap=$(git_head) &&
	write_expected $snap &&
	"$PYTHON" replay.py 127.0.0.1 $PORT "$FIXTURES/a.wasm" m2.wasm \
		client-key >actual &&
	test_cmp expect actual &&
	stop_daemon
'

test_done
