# lib-fs.sh - sourced by the tests of the FUSE mount (t4xxx), after
# test-lib.sh. Mounts the test's store ($WASMSTORE_ROOT) at $MNT with
# wasmstore-fs in the foreground, as a child of the test shell.
#
#   fs_require              skips the whole script when the kernel offers no
#                           FUSE (/dev/fuse or fusermount3 missing)
#   fs_mount [OPTIONS...]   mounts; sets FS_PID; waits until the mount is
#                           up; it is unmounted at test_done in any case
#   fs_unmount              fusermount3 -u, then waits: fails unless the
#                           process exits 0
#   fs_exited               waits (10 s at most, never forever) for the
#                           mount process to end after a signal: fails
#                           unless it exits 0 and the mount is gone
#   fs_wait TRIES CMD...    runs CMD every 0.1 s until it succeeds, at most
#                           TRIES times (for changes made elsewhere)
#
# The mount's stderr (its error log) goes to $FS_LOG. $M is the default
# branch inside the mount: $MNT/branches/main.

MNT="$TRASH/mnt"
M="$MNT/branches/main"
FS_LOG="$TRASH/fs.log"
FS_PID=

fs_require() {
	if ! test -c /dev/fuse || ! command -v fusermount3 >/dev/null; then
		test_skip "no FUSE here (/dev/fuse, fusermount3)"
		test_done
		exit 0
	fi
}

fs_is_mounted() {
	grep -q " $MNT fuse" /proc/self/mounts
}

fs_mount() {
	local i
	mkdir -p "$MNT" || return 1
	wasmstore-fs -f "$@" "$MNT" 2>>"$FS_LOG" &
	FS_PID=$!
	test_when_finished "fs_end $FS_PID"
	# If this shell dies before test_done (killed, timed out, an unset
	# variable under set -u), the mount must not outlive it. Only then:
	# once this mount ended, $MNT may already hold the test's next one.
	{
		while kill -0 $$ && kill -0 $FS_PID; do sleep 1; done
		kill -0 $$ && exit 0
		fusermount3 -u "$MNT" || fusermount3 -uz "$MNT"
		sleep 1
		kill -KILL $FS_PID
	} >/dev/null 2>&1 </dev/null &
	for i in $(seq 1 200); do
		fs_is_mounted && return 0
		if ! kill -0 $FS_PID 2>/dev/null; then
			echo "wasmstore-fs exited at start:" >&2
			cat "$FS_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "wasmstore-fs did not mount" >&2
	return 1
}

# fs_end PID: the cleanup. Unmounts (lazily if something still holds the
# mount), then gives the process 10 s before SIGKILL.
fs_end() {
	local i
	fs_is_mounted && { fusermount3 -u "$MNT" 2>/dev/null ||
		fusermount3 -uz "$MNT" 2>/dev/null; }
	for i in $(seq 1 200); do
		kill -0 $1 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL $1 2>/dev/null
	wait $1 2>/dev/null
	return 0
}

fs_unmount() {
	local rc
	test -n "$FS_PID" || return 0
	fusermount3 -u "$MNT" &&
	wait $FS_PID
	rc=$?
	FS_PID=
	if [ $rc -ne 0 ]; then
		echo "wasmstore-fs exited with $rc" >&2
		tail -n 20 "$FS_LOG" >&2
		return 1
	fi
	! fs_is_mounted
}

fs_exited() {
	local i rc
	for i in $(seq 1 200); do
		kill -0 $FS_PID 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 $FS_PID 2>/dev/null; then
		echo "wasmstore-fs did not exit" >&2
		return 1
	fi
	wait $FS_PID
	rc=$?
	FS_PID=
	[ $rc -eq 0 ] || { echo "wasmstore-fs exited with $rc" >&2; return 1; }
	! fs_is_mounted
}

fs_wait() {
	local tries=$1 i
	shift
	for i in $(seq 1 "$tries"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	"$@"
}
