#!/usr/bin/env bash
# The reference wasmstore's own CLI walk-through (its test/wasmstore.t), with
# the real fixtures, asserting exact outputs. Where we differ on purpose
# (restore keeps history; errors exit non-zero) the step says so.
. "$(dirname "$0")/test-lib.sh"

A=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31
B=d926c50304238d423d63f52f5f460b1a7170fe870e10f031b9cbd74b29bc06e5

# Every object id in the repository, sorted.
objects() {
	git --git-dir="$WASMSTORE_ROOT" cat-file --batch-all-objects \
		--batch-check='%(objectname)' | sort
}

test_expect_success 'setup' '
	cp "$FIXTURES/a.wasm" "$FIXTURES/b.wasm" .
'

test_expect_success 'a truncated module is refused (exit 3), nothing is stored' '
	head -c 12 a.wasm >a12 &&
	test_expect_code 3 wasmstore add - a.wasm <a12 >out 2>err &&
	test ! -s out &&
	echo "ERROR invalid module: unexpected end-of-file" >expect &&
	test_cmp expect err &&
	test_must_fail git_head
'

test_expect_success 'add a from stdin prints its sha256' '
	wasmstore add - a.wasm <a.wasm >actual &&
	echo $A >expect &&
	test_cmp expect actual
'

test_expect_success 'rollback a.wasm: contains prints false' '
	wasmstore rollback a.wasm &&
	wasmstore contains a.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'add a.wasm (path from the file name) and b.wasm' '
	wasmstore add a.wasm >actual &&
	echo $A >expect && test_cmp expect actual &&
	wasmstore add b.wasm >actual &&
	echo $B >expect && test_cmp expect actual
'

test_expect_success 'contains by path and by hash' '
	wasmstore contains b.wasm >actual &&
	wasmstore contains $A >>actual &&
	wasmstore contains a.wasm >>actual &&
	printf "true\ntrue\ntrue\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'snapshot, branch, remove, snapshot' '
	wasmstore snapshot >snap1 &&
	SNAPSHOT1=$(cat snap1) &&
	test "$SNAPSHOT1" = "$(git_head)" &&
	wasmstore branch test &&
	wasmstore remove a.wasm &&
	wasmstore snapshot >snap2 &&
	SNAPSHOT2=$(cat snap2) &&
	test "$SNAPSHOT2" = "$(git_head)" &&
	test "$SNAPSHOT1" != "$SNAPSHOT2"
'

test_expect_success 'restore snapshot 1 brings a.wasm back' '
	wasmstore restore $SNAPSHOT1 &&
	wasmstore contains a.wasm >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'restore keeps history (unlike the reference)' '
	wasmstore snapshot >actual &&
	test "$(cat actual)" != "$SNAPSHOT1" &&
	git --git-dir="$WASMSTORE_ROOT" merge-base --is-ancestor $SNAPSHOT2 main
'

test_expect_success 'versions of b.wasm: one, from the commit that added it' '
	wasmstore versions b.wasm >actual &&
	printf "%s\tcommit: %s\n" $B $SNAPSHOT1 >expect &&
	test_cmp expect actual
'

test_expect_success 'restore snapshot 2, add a at b.wasm: two versions' '
	wasmstore restore $SNAPSHOT2 &&
	wasmstore add a.wasm b.wasm >actual &&
	echo $A >expect && test_cmp expect actual &&
	ADD_A_AT_B=$(git_head) &&
	wasmstore versions b.wasm >actual &&
	printf "%s\tcommit: %s\n%s\tcommit: %s\n" \
		$B $SNAPSHOT1 $A $ADD_A_AT_B >expect &&
	test_cmp expect actual
'

test_expect_success 'restore snapshot 2 again: a.wasm gone, b.wasm is b' '
	wasmstore restore $SNAPSHOT2 &&
	wasmstore contains a.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	wasmstore list >actual &&
	printf "%s\t/b.wasm\n" $B >expect &&
	test_cmp expect actual
'

test_expect_success 'gc prints how many objects it deleted' '
	objects >before &&
	wasmstore gc >actual &&
	objects >after &&
	comm -23 before after >deleted &&
	test -s deleted &&
	wc -l <deleted | tr -d " " >expect &&
	test_cmp expect actual
'

test_expect_success 'after gc: history squashed, the test branch intact' '
	git --git-dir="$WASMSTORE_ROOT" rev-list main >commits &&
	test $(wc -l <commits) -eq 1 &&
	wasmstore list >actual &&
	printf "%s\t/b.wasm\n" $B >expect &&
	test_cmp expect actual &&
	wasmstore --branch test list >actual &&
	printf "%s\t/a.wasm\n%s\t/b.wasm\n" $A $B >expect &&
	test_cmp expect actual &&
	wasmstore --branch test find a.wasm >found &&
	cmp found a.wasm
'

test_expect_success 'delete the test branch, gc again deletes what it held' '
	wasmstore branch test --delete &&
	objects >before &&
	wasmstore gc >actual &&
	objects >after &&
	comm -23 before after >deleted &&
	test -s deleted &&
	wc -l <deleted | tr -d " " >expect &&
	test_cmp expect actual &&
	blob_a=$(git hash-object a.wasm) &&
	grep -x $blob_a deleted
'

test_expect_success 'a 5-byte module is refused' '
	head=$(git_head) &&
	head -c 5 a.wasm >a5 &&
	test_expect_code 3 wasmstore add - invalid.wasm <a5 >out 2>err &&
	echo "ERROR invalid module: unexpected end-of-file" >expect &&
	test_cmp expect err &&
	test "$(git_head)" = "$head"
'

test_expect_success 'versions after gc start at the squashed commit' '
	SQUASHED=$(git_head) &&
	wasmstore add a.wasm b.wasm >actual &&
	echo $A >expect && test_cmp expect actual &&
	ADD=$(git_head) &&
	wasmstore versions b.wasm >actual &&
	printf "%s\tcommit: %s\n%s\tcommit: %s\n" $B $SQUASHED $A $ADD >expect &&
	test_cmp expect actual
'

test_expect_success 'set points a path at a stored module' '
	wasmstore set $B c.wasm &&
	wasmstore hash c.wasm >actual &&
	echo $B >expect &&
	test_cmp expect actual
'

test_expect_success 'a hash that comes back is not listed twice' '
	wasmstore set $B b.wasm &&
	wasmstore versions b.wasm >actual &&
	printf "%s\tcommit: %s\n%s\tcommit: %s\n" $B $SQUASHED $A $ADD >expect &&
	test_cmp expect actual
'

test_expect_success 'export writes every module at its path' '
	wasmstore export -o ./exported &&
	(cd exported && find . -type f | sort) >actual &&
	printf "./b.wasm\n./c.wasm\n" >expect &&
	test_cmp expect actual &&
	cmp exported/b.wasm b.wasm &&
	cmp exported/c.wasm b.wasm
'

test_expect_success 'backup archives the git objects' '
	wasmstore backup backup.tar.gz &&
	tar tzf backup.tar.gz >members &&
	blob_b=$(git hash-object b.wasm) &&
	grep -x "./objects/$(echo $blob_b | cut -c1-2)/$(echo $blob_b | cut -c3-)" members
'

test_expect_success 'add a at testing/123' '
	wasmstore add a.wasm testing/123 >actual &&
	echo $A >expect && test_cmp expect actual &&
	wasmstore contains testing/123 >actual &&
	echo true >expect && test_cmp expect actual
'

test_expect_success 'remove by hash removes every path holding it' '
	wasmstore add a.wasm d.wasm >/dev/null &&
	wasmstore remove $A &&
	wasmstore contains $A >actual &&
	wasmstore contains testing/123 >>actual &&
	wasmstore contains d.wasm >>actual &&
	printf "false\nfalse\nfalse\n" >expect &&
	test_cmp expect actual &&
	wasmstore list >actual &&
	printf "%s\t/b.wasm\n%s\t/c.wasm\n" $B $B >expect &&
	test_cmp expect actual
'

test_expect_success 'find of the removed hash exits 1 and prints nothing' '
	test_expect_code 1 wasmstore find $A >out 2>err &&
	test ! -s out && test ! -s err
'

test_done
