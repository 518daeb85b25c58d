#!/usr/bin/env bash
# The command line itself: help, version, usage errors and their exit
# status, global options before or after the command, the environment.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	make_module 1 m1.wasm &&
	H1=$(sha256sum <m1.wasm | cut -d" " -f1)
'

test_expect_success '--help and -h print the usage and the commands, exit 0' '
	wasmstore --help >help.out &&
	wasmstore -h >h.out &&
	test_cmp help.out h.out &&
	head -n 2 help.out >actual &&
	cat >expect <<-\EOT &&
	usage: wasmstore [--root PATH] [--branch NAME] [--author NAME] COMMAND [ARGS...]
	   or: wasmstore --version
	EOT
	test_cmp expect actual &&
	sed -n "/^commands:/,/^\$/p" help.out >commands &&
	cat >expect <<-\EOT &&
	commands:
	    add         add a WebAssembly module
	    find        write a module'"'"'s bytes to stdout
	    hash        print the hash of the module at a path
	    contains    tell whether a path or hash is present
	    list        list modules with their hashes
	    remove      remove a path, or every path holding a hash
	    set         point a path at a module already stored
	    snapshot    print the head commit
	    restore     bring back the content of a commit
	    rollback    undo the last change
	    versions    list the versions a path has held
	    version     print one version of a path
	    commit      print a commit as JSON
	    audit       list the commits that changed a path
	    log         show the branch'"'"'s history
	    branch      create, delete or list branches
	    merge       merge a branch into the current branch
	    gc          squash history and delete unreachable objects
	    watch       print or act on every change
	    filename    print where a module'"'"'s bytes are on disk
	    export      write every module to a directory
	    backup      archive the whole store
	    server      run the HTTP server

	EOT
	test_cmp expect commands
'

test_expect_success '--version prints the version' '
	wasmstore --version >actual &&
	grep -Ex "wasmstore [0-9]+\.[0-9]+\.[0-9]+" actual
'

test_expect_success 'every command answers --help and -h with its usage, exit 0' '
	cat >expect <<-\EOT &&
	add:usage: wasmstore add FILE|- [PATH]
	find:usage: wasmstore find PATH|HASH
	hash:usage: wasmstore hash PATH
	contains:usage: wasmstore contains PATH|HASH
	list:usage: wasmstore list [PATH]
	remove:usage: wasmstore remove PATH|HASH
	set:usage: wasmstore set HASH PATH
	snapshot:usage: wasmstore snapshot
	restore:usage: wasmstore restore COMMIT [PATH]
	rollback:usage: wasmstore rollback [PATH]
	versions:usage: wasmstore versions PATH
	version:usage: wasmstore version N PATH
	commit:usage: wasmstore commit HASH
	audit:usage: wasmstore audit PATH
	log:usage: wasmstore log [--plain] [--pager CMD] [-n N] [--skip N] [--reverse]
	branch:usage: wasmstore branch NAME
	merge:usage: wasmstore merge BRANCH
	gc:usage: wasmstore gc
	watch:usage: wasmstore watch [COMMAND [ARG...]]
	filename:usage: wasmstore filename PATH|HASH
	export:usage: wasmstore export -o DIR
	backup:usage: wasmstore backup FILE.tar.gz
	server:usage: wasmstore server [--host HOST] [--port PORT] [--auth KEYS] [--auth-file FILE] [--cors] [--tls KEY_FILE,CERT_FILE] [--port-file FILE] [--max-module-size BYTES] [--threads N] [--quiet]
	EOT
	: >actual &&
	(for cmd in $(cut -d: -f1 expect); do
		wasmstore $cmd --help >help.$cmd &&
		wasmstore $cmd -h >h.$cmd &&
		test_cmp help.$cmd h.$cmd &&
		printf "%s:%s\n" $cmd "$(head -n 1 help.$cmd)" >>actual || exit 1
	done) &&
	test_cmp expect actual &&
	test ! -e "$WASMSTORE_ROOT"
'

test_expect_success 'a command'"'"'s help lists its options and the global ones' '
	wasmstore export --help >actual &&
	cat >expect <<-\EOT &&
	usage: wasmstore export -o DIR

	Writes every module of the branch under DIR, each at its path.

	options:
	    -o, --output DIR      the directory to write to (created if missing)

	global options:
	        --root PATH       the store (WASMSTORE_ROOT, default ~/.wasmstore)
	        --branch NAME     the branch to use (WASMSTORE_BRANCH)
	        --author NAME     the author of new commits (WASMSTORE_AUTHOR)
	    -h, --help            show this help
	EOT
	test_cmp expect actual
'

test_expect_success 'branch shows its three forms' '
	wasmstore branch --help >help &&
	head -n 3 help >actual &&
	cat >expect <<-\EOT &&
	usage: wasmstore branch NAME
	   or: wasmstore branch --delete NAME
	   or: wasmstore branch --list
	EOT
	test_cmp expect actual
'

test_expect_success '--help after other arguments, or after global options' '
	wasmstore --root elsewhere add --help >actual &&
	test_cmp help.add actual &&
	wasmstore add m1.wasm --help >actual &&
	test_cmp help.add actual &&
	test ! -e elsewhere && test ! -e "$WASMSTORE_ROOT"
'

test_expect_success 'no command: usage on stderr, exit 2' '
	test_expect_code 2 wasmstore >out 2>err &&
	test ! -s out &&
	cat >expect <<-\EOT &&
	error: no command given
	usage: wasmstore [--root PATH] [--branch NAME] [--author NAME] COMMAND [ARGS...]
	   or: wasmstore --version
	EOT
	test_cmp expect err
'

test_expect_success 'unknown command: exit 2' '
	test_expect_code 2 wasmstore frobnicate x >out 2>err &&
	test ! -s out &&
	head -n 1 err >actual &&
	echo "error: unknown command '"'"'frobnicate'"'"'" >expect &&
	test_cmp expect actual
'

# args | expected first stderr line (the usage line follows)
while IFS="|" read -r args message; do
	test_expect_success "usage error: wasmstore $args" '
		test_expect_code 2 wasmstore '"$args"' >out 2>err &&
		test ! -s out &&
		head -n 1 err >actual &&
		printf "%s\n" "'"$message"'" >expect &&
		test_cmp expect actual &&
		sed -n 2p err >actual &&
		grep "^usage: wasmstore " actual &&
		test ! -e "$WASMSTORE_ROOT"
	'
done <<\EOT
list --bogus|error: unknown option '--bogus'
list -x|error: unknown option '-x'
--bogus list|error: unknown option '--bogus'
list --root|error: option '--root' needs a value
log --plain=1|error: option '--plain' takes no value
log -n|error: option '--max-count' needs a value
log -n x|error: invalid number 'x' for '-n'
log --skip -1|error: invalid number '-1' for '--skip'
log extra|error: unexpected argument 'extra'
hash|error: missing argument
hash a.wasm b.wasm|error: unexpected argument 'b.wasm'
set 0123|error: missing argument
add|error: missing argument
add -|error: PATH is required with -
add m1.wasm a.wasm b.wasm|error: unexpected argument 'b.wasm'
version x a.wasm|error: invalid version number 'x'
version 1.5 a.wasm|error: invalid version number '1.5'
export|error: missing -o DIR
export -o|error: option '--output' needs a value
branch|error: missing argument
branch --list x|error: --list takes no other argument
branch --list --delete|error: --list takes no other argument
gc now|error: unexpected argument 'now'
server extra|error: unexpected argument 'extra'
EOT

test_expect_success 'exit 1: not found, silently for find, hash and filename' '
	wasmstore add m1.wasm >/dev/null &&
	(for cmd in find hash filename; do
		test_expect_code 1 wasmstore $cmd nope.wasm >out 2>err &&
		test ! -s out && test ! -s err || exit 1
	done)
'

test_expect_success 'exit 3: an invalid module' '
	printf "\0asm\1\0\0\0\1" >bad.wasm &&
	test_expect_code 3 wasmstore add bad.wasm >out 2>err &&
	test ! -s out &&
	grep "^ERROR invalid module: " err
'

test_expect_success 'exit 4: a file that cannot be read' '
	test_expect_code 4 wasmstore add missing.wasm >out 2>err &&
	test ! -s out &&
	echo "error: unable to open '"'"'missing.wasm'"'"': No such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success 'global options work before and after the command' '
	wasmstore --root r1 add m1.wasm x.wasm >out1 &&
	wasmstore add --root r2 m1.wasm y.wasm >out2 &&
	wasmstore add m1.wasm --root=r3 z.wasm >out3 &&
	echo $H1 >expect &&
	test_cmp expect out1 && test_cmp expect out2 && test_cmp expect out3 &&
	wasmstore list --root r1 >l1 && wasmstore --root r2 list >l2 &&
	wasmstore --root=r3 list >l3 &&
	printf "%s\t/x.wasm\n" $H1 >expect && test_cmp expect l1 &&
	printf "%s\t/y.wasm\n" $H1 >expect && test_cmp expect l2 &&
	printf "%s\t/z.wasm\n" $H1 >expect && test_cmp expect l3
'

test_expect_success 'the last of repeated options wins' '
	wasmstore --root r1 list --root r2 >actual &&
	test_cmp l2 actual
'

test_expect_success '-- ends the options' '
	wasmstore --root r4 add m1.wasm -- -dash.wasm >/dev/null &&
	wasmstore --root r4 list >actual &&
	printf "%s\t/-dash.wasm\n" $H1 >expect &&
	test_cmp expect actual
'

test_expect_success 'WASMSTORE_ROOT is the default root, --root overrides it' '
	WASMSTORE_ROOT=$TRASH/r1 wasmstore list >actual &&
	test_cmp l1 actual &&
	WASMSTORE_ROOT=$TRASH/r1 wasmstore list --root r2 >actual &&
	test_cmp l2 actual
'

test_expect_success 'without WASMSTORE_ROOT the store is ~/.wasmstore' '
	(unset WASMSTORE_ROOT && wasmstore add m1.wasm home.wasm >/dev/null) &&
	git --git-dir="$HOME/.wasmstore" ls-tree --name-only -r main >actual &&
	echo home.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'WASMSTORE_BRANCH is the default branch, --branch overrides it' '
	wasmstore branch dev &&
	WASMSTORE_BRANCH=dev wasmstore add m1.wasm on-dev.wasm >/dev/null &&
	wasmstore list --branch dev >actual &&
	printf "%s\t/m1.wasm\n%s\t/on-dev.wasm\n" $H1 $H1 >expect &&
	test_cmp expect actual &&
	WASMSTORE_BRANCH=dev wasmstore --branch main list >actual &&
	printf "%s\t/m1.wasm\n" $H1 >expect &&
	test_cmp expect actual &&
	WASMSTORE_BRANCH= wasmstore list >actual &&
	test_cmp expect actual
'

test_expect_success '--author and WASMSTORE_AUTHOR name the commit author' '
	make_module 2 m2.wasm && make_module 3 m3.wasm &&
	wasmstore add --author alice m2.wasm >/dev/null &&
	WASMSTORE_AUTHOR=bob wasmstore add m3.wasm >/dev/null &&
	WASMSTORE_AUTHOR=bob wasmstore --author carol remove m3.wasm &&
	git --git-dir="$WASMSTORE_ROOT" log -3 --format=%an main >actual &&
	printf "carol\nbob\nalice\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an empty or multi-line author is refused' '
	head=$(git_head) &&
	test_expect_code 2 wasmstore --author "" add m3.wasm >out 2>err &&
	test_expect_code 2 wasmstore --author "a
b" add m3.wasm >out 2>err &&
	test "$(git_head)" = "$head"
'

test_done
