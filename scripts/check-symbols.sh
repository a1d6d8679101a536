#!/bin/sh
# scripts/check-symbols.sh LIBCRMSYNC.a - fails when a symbol our code
# exports is also exported by a library we link (libetpan, libcurl, libical,
# sqlite3, libxml2, gnutls, libidn2, libdb, libsasl2, liblockfile, libc,
# libm). Such a clash links silently and calls the wrong function.
set -eu
lib=$1
ours=$(mktemp)
theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT

nm -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u >"$ours"
for l in etpan curl-gnutls ical icalss icalvcal sqlite3 xml2 gnutls idn2 db-5.3 sasl2 lockfile c m; do
	so=$(${CC:-cc} -print-file-name="lib$l.so")
	[ -e "$so" ] || continue
	# libc.so is a linker script on glibc; read the real objects it names.
	if ! nm -D --defined-only "$so" >/dev/null 2>&1; then
		for real in $(grep -oE '/[^ )]+\.so[^ )]*' "$so"); do
			nm -D --defined-only "$real" 2>/dev/null
		done
	else
		nm -D --defined-only "$so"
	fi
done | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$theirs"

clash=$(comm -12 "$ours" "$theirs")
if [ -n "$clash" ]; then
	echo "check-symbols: these symbols of ours are also exported by a linked library:" >&2
	echo "$clash" | sed 's/^/  /' >&2
	exit 1
fi
echo "check-symbols: $(wc -l <"$ours") symbols, no clash with $(wc -l <"$theirs") library exports"
