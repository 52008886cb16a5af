#!/bin/bash
# tests/integration/122-lint-pre-commit.sh: the repository's pre-commit hook, run for real by Debian's pre-commit
#
# A scratch "hook repository" in $T holds a copy of .pre-commit-hooks.yaml in one commit; a
# scratch project repository holds a good and a bad config and a three-line
# .pre-commit-config.yaml naming the hook repository by its local path at that commit. With
# the built lbcheck first on the PATH, "pre-commit run --all-files" must fail on the bad
# config with lbcheck's lint message and pass when only the good one is tracked; "git
# commit" through the installed hook is refused the same way. Offline: "language: system"
# fetches nothing, and the hook repository is a local path. Nothing is committed outside $T.
: "${LB_TEST_TIMEOUT:=300}"	# installing pre-commit may take a while
export LB_TEST_TIMEOUT
: "${srcdir:=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
if [ -z "${LBCHECK:-}" ] && [ -x ./lbcheck/lbcheck ]; then
	LBCHECK=$PWD/lbcheck/lbcheck
fi
: "${LBCHECK:=./lbcheck/lbcheck}"
case $LBCHECK in /*) ;; *) LBCHECK=$PWD/$LBCHECK ;; esac
export srcdir LBCHECK
. "$srcdir/tests/conf/tap.sh"

[ -x "$LBCHECK" ] || bail "no lbcheck binary at '$LBCHECK' (set LBCHECK)"
if ! command -v git >/dev/null; then
	echo "1..0 # SKIP git is not installed"
	exit 0
fi
if ! command -v pre-commit >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q pre-commit >"$T/apt.log" 2>&1
	fi
	if ! command -v pre-commit >/dev/null; then
		echo "1..0 # SKIP Debian's pre-commit package is not installed (and could not be)"
		exit 0
	fi
fi

# git and pre-commit see only what this test sets up
export HOME=$T/home PRE_COMMIT_HOME=$T/pre-commit-cache GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=lbtest GIT_AUTHOR_EMAIL=lbtest@localhost
export GIT_COMMITTER_NAME=lbtest GIT_COMMITTER_EMAIL=lbtest@localhost
mkdir -p "$HOME" "$T/bin"
ln -s "$LBCHECK" "$T/bin/lbcheck"
export PATH=$T/bin:$PATH

# the hook repository: this tree's hook file, one commit
HOOKS=$T/hooks-repo
git init -q "$HOOKS" || bail "git init failed"
cp "$srcdir/.pre-commit-hooks.yaml" "$HOOKS/" || bail "no .pre-commit-hooks.yaml at the top of the tree"
git -C "$HOOKS" add .pre-commit-hooks.yaml && git -C "$HOOKS" commit -q -m hooks ||
	bail "commit in the hook repository failed"
REV=$(git -C "$HOOKS" rev-parse HEAD)

# the project: the three lines a user writes, and a good config
P=$T/project
git init -q "$P" || bail "git init failed"
cat >"$P/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $HOOKS
    rev: $REV
    hooks: [{id: lbcheck}]
EOF
cp "$srcdir/tests/conf/lint/clean.cfg" "$P/haproxy.cfg"
cp "$srcdir/tests/conf/lint/unused-backend.cfg" "$P/bad.cfg"
printf 'not a config\n' >"$P/README.txt"

# precommit ARGS...: in the project, output into $T/pc.out; sets RC
precommit()
{
	(cd "$P" && exec pre-commit "$@") >"$T/pc.out" 2>&1
	RC=$?
}

git -C "$P" add .pre-commit-config.yaml haproxy.cfg README.txt
precommit run --all-files
is "$RC" 0 "good config only: pre-commit passes"
like "$(cat "$T/pc.out")" "^lbcheck .*Passed" "good config only: the lbcheck hook ran and passed"
[ "$RC" = 0 ] || diag_file "$T/pc.out"

git -C "$P" add bad.cfg
precommit run --all-files
is "$RC" 1 "bad config tracked: pre-commit fails"
like "$(cat "$T/pc.out")" "^lbcheck .*Failed" "bad config tracked: the lbcheck hook failed"
like "$(cat "$T/pc.out")" \
	"^bad.cfg:15:1: warning: backend 'forgotten' is not used by any frontend .*\[unused-backend\]$" \
	"bad config tracked: lbcheck's lint message, with the position"
unlike_ok=1
grep -q "haproxy.cfg:[0-9]" "$T/pc.out" && unlike_ok=0
is "$unlike_ok" 1 "bad config tracked: nothing reported about the good one"

# options for lbcheck go in the hook's "args"
cp "$P/.pre-commit-config.yaml" "$T/three-lines.yaml"
sed -i 's/hooks: \[{id: lbcheck}\]/hooks: [{id: lbcheck, args: [--disable, unused-backend]}]/' \
	"$P/.pre-commit-config.yaml"
git -C "$P" add .pre-commit-config.yaml
precommit run --all-files
is "$RC" 0 "args: [--disable, unused-backend]: the bad config passes"
cp "$T/three-lines.yaml" "$P/.pre-commit-config.yaml"
git -C "$P" add .pre-commit-config.yaml

# the installed git hook refuses the commit, and accepts it once the bad file is gone
(cd "$P" && pre-commit install -q >/dev/null 2>&1 || pre-commit install) >"$T/install.out" 2>&1
if [ -x "$P/.git/hooks/pre-commit" ]; then
	git -C "$P" commit -q -m "with bad" >"$T/commit.out" 2>&1
	is "$?" 1 "git commit with the bad config: refused by the hook"
	like "$(cat "$T/commit.out")" "\[unused-backend\]" "git commit: the lint message is shown"
	git -C "$P" rm -q --cached bad.cfg
	git -C "$P" commit -q -m "good only" >"$T/commit.out" 2>&1
	is "$?" 0 "git commit of the good config: accepted"
	[ -z "$(git -C "$P" log --oneline -1 -- haproxy.cfg)" ] &&
		fail "the good config is in the commit" || pass "the good config is in the commit"
else
	fail "pre-commit install wrote .git/hooks/pre-commit"
	diag_file "$T/install.out"
fi

precommit run --all-files
is "$RC" 0 "bad config untracked: pre-commit passes again"

done_testing
