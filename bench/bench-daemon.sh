#!/usr/bin/env bash
# The HTTP daemon under wrk on 127.0.0.1, beside nginx serving the same
# bytes from disk in the same run: GET of a 1 KB module and of the 2.4 MB
# fixture, and uploads of distinct 1 KB modules.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
DURATION=${BENCH_DURATION:-5}
CONNS=${BENCH_CONNS:-16}

command -v wrk >/dev/null && command -v nginx >/dev/null || {
	echo "# bench-daemon: wrk or nginx missing (bash scripts/deps)"; exit 1; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

root="$BENCH_TMP/root"
www="$BENCH_TMP/www"
mkdir -p "$www"
chmod 755 "$BENCH_TMP" "$www" # nginx workers run as www-data
"$WS_BUILD/bench/store-bench" module "$www/small.wasm" 42
cp "$here/../tests/fixtures/b.wasm" "$www/big.wasm"
WASMSTORE_ROOT="$root" wasmstore add "$www/small.wasm" small.wasm >/dev/null
WASMSTORE_ROOT="$root" wasmstore add "$www/big.wasm" big.wasm >/dev/null

wasmstore-server --root "$root" --host 127.0.0.1 --port 0 \
	--port-file "$BENCH_TMP/port" 2>/dev/null &
daemon=$!
nport=$(free_port)
cat >"$BENCH_TMP/nginx.conf" <<CONF
worker_processes auto;
pid $BENCH_TMP/nginx.pid;
error_log $BENCH_TMP/nginx.err;
daemon off;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	types { application/wasm wasm; }
	client_body_temp_path $BENCH_TMP/nginx-body;
	proxy_temp_path $BENCH_TMP/nginx-proxy;
	fastcgi_temp_path $BENCH_TMP/nginx-fcgi;
	uwsgi_temp_path $BENCH_TMP/nginx-uwsgi;
	scgi_temp_path $BENCH_TMP/nginx-scgi;
	server { listen 127.0.0.1:$nport; root $www; }
}
CONF
nginx -c "$BENCH_TMP/nginx.conf" &
ngx=$!
trap 'kill $daemon $ngx 2>/dev/null; wait 2>/dev/null; rm -rf "$BENCH_TMP"' EXIT
for i in $(seq 1 100); do test -s "$BENCH_TMP/port" && break; sleep 0.05; done
dport=$(cat "$BENCH_TMP/port")
sleep 0.3
for u in "http://127.0.0.1:$dport/api/v1/module/big.wasm" "http://127.0.0.1:$nport/big.wasm"; do
	curl -sf -o "$BENCH_TMP/check" "$u" && cmp -s "$BENCH_TMP/check" "$www/big.wasm" ||
		{ echo "# bench-daemon: $u does not serve the module"; exit 1; }
done

wrk_stat() { # URL [wrk args...] -> "req/s bytes/s"
	local url=$1
	shift
	wrk -t2 -c"$CONNS" -d"${DURATION}s" "$@" "$url" 2>/dev/null | awk '
		/^Requests\/sec/ { r = $2 }
		/^Transfer\/sec/ { v = $2; m = 1
			if (v ~ /GB$/) m = 1024 * 1024 * 1024; else if (v ~ /MB$/) m = 1024 * 1024; else if (v ~ /KB$/) m = 1024
			sub(/[KMG]?B$/, "", v); b = v * m }
		END { printf "%s %.0f\n", r, b }'
}

echo "== daemon: wrk -t2 -c$CONNS -d${DURATION}s on 127.0.0.1 ($RUNS runs, medians)"
for r in $(seq 1 $RUNS); do
	wrk_stat "http://127.0.0.1:$dport/api/v1/module/small.wasm" >>"$BENCH_TMP/ws.small"
	wrk_stat "http://127.0.0.1:$nport/small.wasm" >>"$BENCH_TMP/ngx.small"
	wrk_stat "http://127.0.0.1:$dport/api/v1/module/big.wasm" >>"$BENCH_TMP/ws.big"
	wrk_stat "http://127.0.0.1:$nport/big.wasm" >>"$BENCH_TMP/ngx.big"
done
ws_small=$(cut -d' ' -f1 "$BENCH_TMP/ws.small" | median)
ngx_small=$(cut -d' ' -f1 "$BENCH_TMP/ngx.small" | median)
ws_big=$(cut -d' ' -f2 "$BENCH_TMP/ws.big" | median)
ngx_big=$(cut -d' ' -f2 "$BENCH_TMP/ngx.big" | median)
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
report "GET 1 KB module: nginx (reference)" "$ngx_small" "req/s"
report "GET 1 KB module: wasmstore" "$ws_small" "req/s  $(ratio "$ws_small" "$ngx_small")x nginx"
report "GET 2.4 MB module: nginx (reference)" "$(mb "$ngx_big")" "MB/s"
report "GET 2.4 MB module: wasmstore" "$(mb "$ws_big")" "MB/s  $(ratio "$ws_big" "$ngx_big")x nginx"

for r in $(seq 1 $RUNS); do
	wrk_stat "http://127.0.0.1:$dport/" -s "$here/upload.lua" >>"$BENCH_TMP/ws.up"
done
report "POST distinct 1 KB modules: wasmstore" "$(cut -d' ' -f1 "$BENCH_TMP/ws.up" | median)" "uploads/s (durable, one commit each)"
