#!/usr/bin/env bash
# man/wasmstore.1 documents what --help shows: every command with the same
# synopsis, every option, every environment variable, every exit status.
. "$(dirname "$0")/test-lib.sh"

MAN="$TEST_DIR/../man/wasmstore.1"

test_expect_success 'the page formats without warnings' '
	groff -man -ww -z "$MAN" 2>warnings &&
	test ! -s warnings
'

test_expect_success 'the page has the usual sections, in order' '
	sed -n "s/^\.SH //p" "$MAN" | tr -d "\"" >actual &&
	printf "%s\n" NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" \
		ENVIRONMENT FILES EXAMPLES "SEE ALSO" >expect &&
	test_cmp expect actual
'

test_expect_success 'setup: the page as plain text, every help text' '
	sed -e "s/\\\\f[BIRP]//g" -e "s/\\\\-/-/g" "$MAN" >man.txt &&
	wasmstore --help >help.main &&
	sed -n "/^commands:/,/^\$/s/^    \([a-z]*\) .*/\1/p" help.main >commands &&
	test $(wc -l <commands) -eq 23 &&
	(for cmd in $(cat commands); do
		wasmstore $cmd --help >help.$cmd || exit 1
	done)
'

test_expect_success 'every usage line is a synopsis line of the page' '
	(for f in help.*; do
		sed -n "s/^\(usage\|   or\): //p" $f || exit 1
	done) >usage &&
	test $(wc -l <usage) -ge 26 &&
	(while read -r line; do
		grep -Fxq -- "$line" man.txt || { echo "not in the page: $line"; exit 1; }
	done) <usage
'

test_expect_success 'every command has an entry in COMMANDS' '
	sed -n "/^\.SH COMMANDS/,/^\.SH /p" "$MAN" >commands.section &&
	(for cmd in $(cat commands); do
		grep -q "^\\\\fB$cmd\\\\fR" commands.section ||
			{ echo "no entry for $cmd"; exit 1; }
	done)
'

test_expect_success 'every option of every help text is in the page' '
	cat help.* | grep -o -- "\(^\|[ [,]\)--\?[a-z][a-z-]*" |
		sed "s/^[ [,]//" | grep "^-" | sort -u >options &&
	grep -x -- "--root" options && grep -x -- "-n" options &&
	(while read -r opt; do
		grep -q -- "$opt\([^a-z-]\|\$\)" man.txt ||
			{ echo "not in the page: $opt"; exit 1; }
	done) <options
'

test_expect_success 'every environment variable of the help texts is in ENVIRONMENT' '
	sed -n "/^\.SH ENVIRONMENT/,/^\.SH /p" man.txt >environment &&
	cat help.* | grep -o "WASMSTORE_[A-Z]*" | sort -u >variables &&
	test -s variables &&
	(while read -r v; do
		grep -q "$v" environment || { echo "not in ENVIRONMENT: $v"; exit 1; }
	done) <variables
'

test_expect_success 'every exit status of tools/error.h is in EXIT STATUS' '
	sed -n "s/^\tCLI_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p" \
		"$TEST_DIR/../tools/error.h" >statuses &&
	test $(wc -l <statuses) -eq 5 &&
	sed -n "/^\.SH EXIT STATUS/,/^\.SH /p" "$MAN" >exit.section &&
	(while read -r n; do
		grep -qx "\.B $n" exit.section || { echo "undocumented: $n"; exit 1; }
	done) <statuses
'

test_expect_success 'SEE ALSO names the other pages' '
	sed -n "/^\.SH SEE ALSO/,\$p" man.txt >see.also &&
	grep -F "wasmstore-server (1)" see.also &&
	grep -F "wasmstore-fs (1)" see.also &&
	grep -F "wasmstore-api (7)" see.also
'

test_done
