#!/bin/bash
# tools/blehost.bash-completion loads in bash and completes what the real
# program takes:  test_bash_completion.sh BLEHOST COMPLETION_FILE
# The command list must equal the one `blehost --help` prints, and every
# option offered must be accepted by the program (getopt would say
# "unrecognized option"). Exit 0 pass, 1 fail.
set -u
B=$(readlink -f "${1:?usage: $0 BLEHOST COMPLETION_FILE}")
F=${2:?usage: $0 BLEHOST COMPLETION_FILE}
FAILS=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }

# shellcheck source=/dev/null
source "$F" || { echo "FAIL: $F does not load"; exit 1; }
if complete -p blehost 2>/dev/null | grep -q -- '-F _blehost blehost'; then
	ok "completion registered for blehost"
else
	bad "no completion registered for blehost"
fi

# comp WORD...: what completing the last word offers, sorted, one line.
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_blehost
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
	local want=$1
	shift
	local got
	got=$(comp "$@")
	if [ "$got" = "$want" ]; then ok "complete '$*' -> $want"; else
		bad "complete '$*': got '$got', want '$want'"
	fi
}

# Commands: exactly those of --help.
help_cmds=$("$B" --help | sed -n '/^commands:/,/^$/p' | awk '/^  [a-z]/ {print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$help_cmds" blehost ""
expect "pair peripheral" blehost p
expect "scan" blehost -t unix:/tmp/x --json sc
expect "--verbose --version" blehost --ve
expect "--service --service-data" blehost advertise --servi
expect "clear list" blehost bonds ""
expect "clear" blehost --store /tmp bonds c
expect "connect listen" blehost coc ""
expect "" blehost coc listen ""
expect "KeyboardDisplay KeyboardOnly" blehost pair 00:11:22:33:44:55 --io Key
expect "" blehost advertise --interval ""
expect "--rpa-timeout" blehost peripheral --rp
expect "" blehost peripheral --rpa-timeout ""
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
touch "$D/sensor.json" "$D/other.txt"
expect "$D/sensor.json" blehost peripheral --db "$D/s"
expect "$D" blehost --store "$D"
t=" $(comp blehost -t "") "
if [[ $t == *" usb "* && $t == *" unix:/tmp/bt-server-le "* && $t == *" replay: "* ]]; then
	ok "complete -t offers transports"
else
	bad "complete -t:$t"
fi

# Every option offered exists in the program.
for cmd in $help_cmds; do
	for opt in $(comp blehost "$cmd" --); do
		err=$(env -u BLEHOST_TRANSPORT "$B" "$cmd" "$opt" 1 2>&1 </dev/null)
		if grep -q "unrecognized option" <<<"$err"; then
			bad "blehost $cmd does not take $opt: $err"
		fi
	done
	[ -n "$(comp blehost "$cmd" --)" ] || [ "$cmd" = info ] || [ "$cmd" = bonds ] || [ "$cmd" = usb ] ||
		bad "no options offered for $cmd"
done
for opt in $(comp blehost --); do
	err=$(env -u BLEHOST_TRANSPORT "$B" "$opt" 1 info 2>&1 </dev/null)
	grep -q "unrecognized option" <<<"$err" && bad "blehost does not take $opt"
done
ok "every option offered is accepted by the program"

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
