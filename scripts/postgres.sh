#!/usr/bin/env bash
# scripts/postgres.sh start DIR | stop DIR | status DIR
#
# Runs a throwaway PostgreSQL server for the side-by-side benchmarks (the peer a user would
# pick instead of Bleve for search and of ClickHouse/DuckDB for trends). Not used by tests.
#   start  installs Debian's postgresql with apt if it is missing, creates a cluster in DIR
#          (owned by the postgres system user, trust auth, 127.0.0.1 only, port 5432 or the
#          next free one), starts it and prints POSTGRES_DSN=postgres://postgres@127.0.0.1:PORT/postgres
#          on stdout. The settings are the ones a careful operator would set on this machine
#          (see docs/benchmarks.md): shared_buffers 2GB, work_mem 64MB,
#          maintenance_work_mem 1GB, effective_cache_size 8GB, 2 parallel workers per gather,
#          JIT off, synchronous_commit off (fsync stays on).
#   stop   stops the server started in DIR.
#   status prints POSTGRES_DSN=… if the server started in DIR is running, exits 1 otherwise.
# Benchmarks read the address from ESCUCHA_POSTGRES.
set -euo pipefail

# shellcheck source=scripts/service.sh
. "$(dirname "$0")/service.sh"
portfile="$dir/postgres.port"

bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_server() {
	if bindir >/dev/null; then return 0; fi
	log "installing postgresql with apt"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	if ! $SUDO apt-get install -y -q --no-install-recommends postgresql >&2; then
		$SUDO apt-get update -q >&2
		$SUDO apt-get install -y -q --no-install-recommends postgresql >&2
	fi
	bindir >/dev/null || { log "postgresql not found after install"; exit 1; }
}

# as runs a command as the postgres system user when we are root (the server refuses root).
as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

running() { [ -f "$dir/data/postmaster.pid" ] && as "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

dsn() { echo "POSTGRES_DSN=postgres://postgres@127.0.0.1:$(cat "$portfile")/postgres?sslmode=disable"; }

case $cmd in
start)
	install_server
	bin=$(bindir)
	if running; then dsn; exit 0; fi
	if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	port=$(free_port 5432)
	echo "$port" >"$portfile"
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o "\
 -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir\
 -c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=1GB\
 -c effective_cache_size=8GB -c max_parallel_workers_per_gather=2 -c jit=off\
 -c synchronous_commit=off -c max_wal_size=8GB -c checkpoint_timeout=30min" >&2 ||
		{ tail -n 40 "$dir/postgres.log" >&2; exit 1; }
	dsn
	;;
stop)
	bin=$(bindir) || exit 0
	if running; then as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2; fi
	;;
status)
	running && dsn
	;;
*) usage ;;
esac
