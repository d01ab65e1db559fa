# scripts/service.sh — sourced by the throwaway-server scripts (clickhouse.sh,
# postgres.sh): argument handling for `start|stop|status DIR`, logging, free ports.
# Sets cmd and dir (absolute, created).

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "$(basename "$0"): $*" >&2; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
	local p=$1
	while port_busy "$p"; do p=$((p + 1)); done
	echo "$p"
}
