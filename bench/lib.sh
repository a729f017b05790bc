# Shared by the benchmark scripts, which run from the repository root: `source bench/lib.sh`.

# wait_for_quiet MAX_LOAD WAIT: wait (up to WAIT seconds) for the 1-minute load average to fall under
# MAX_LOAD, since other builds on a shared machine skew the figures; warn and go on after that.
load() { cut -d' ' -f1 /proc/loadavg; }
wait_for_quiet() {
    local max=$1 limit=$2 waited=0
    while awk -v l="$(load)" -v m="$max" 'BEGIN { exit !(l >= m) }'; do
        if [ "$waited" -ge "$limit" ]; then
            echo "warning: load average still $(load) after ${limit}s; measuring anyway (figures are noisy)" >&2
            break
        fi
        echo "load average $(load) >= $max: waiting ($waited s)" >&2
        sleep 30
        waited=$((waited + 30))
    done
}
