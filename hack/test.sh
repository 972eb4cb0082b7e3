#!/usr/bin/env bash
# The single test command. Installs missing test dependencies (when run as root), builds the solution once, runs
# every test project, and ends with the plain line `N passed, N failed, N skipped`. Exits non-zero if anything
# failed or a dependency is missing: nothing is skipped silently.
#
#   bash hack/test.sh                      # everything, Debug build
#   CONFIGURATION=Release bash hack/test.sh
#
# The conformance scenarios run against an in-process server here; to run them against another cluster use
#   KUBECONFIG=/path/to/kubeconfig dotnet test conformance/Conformance
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
configuration=${CONFIGURATION:-Debug}
results="$root/TestResults/$(date +%Y%m%d-%H%M%S)-$$"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

fail() {
    echo "hack/test.sh: $*" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}

# Builds and test runs share a machine with other builds: take the shared lock when flock exists.
locked() {
    if command -v flock >/dev/null 2>&1; then
        # -o: the command does not inherit the lock, so a daemon a test starts cannot keep holding it.
        flock -o /tmp/kubenet-build.lock "$@"
    else
        "$@"
    fi
}

apt_updated=0
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        fail "missing $1: run as root to install it, or install it yourself: apt-get install -y $1"
    fi
    if [ "$apt_updated" -eq 0 ]; then
        apt-get update -qq || fail "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null || fail "apt-get install -y $1 failed"
}

# --- dependencies -------------------------------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || fail "dotnet is missing: install the .NET 10 SDK (https://dotnet.microsoft.com/download)"

if [ ! -x /usr/bin/kubectl ]; then
    fail "/usr/bin/kubectl is missing: install kubectl 1.32 there (for example: curl -Lo /usr/bin/kubectl https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl && chmod +x /usr/bin/kubectl)"
fi

if [ ! -x /usr/bin/python3 ]; then
    apt_install python3
fi
if ! /usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1; then
    apt_install python3-kubernetes
    /usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || fail "/usr/bin/python3 still cannot import kubernetes after installing python3-kubernetes"
fi

# The kubelet tests run pods on Docker with CNI networking; hack/docker.sh starts dockerd when it is not running.
command -v dockerd >/dev/null 2>&1 || apt_install docker.io
# The containerd node tests start a containerd of their own (hack/containerd.sh); docker.io brings it and runc.
command -v containerd >/dev/null 2>&1 || apt_install containerd
command -v runc >/dev/null 2>&1 || apt_install runc
[ -x /usr/lib/cni/bridge ] || apt_install containernetworking-plugins
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || apt_install busybox-static
command -v iptables >/dev/null 2>&1 || apt_install iptables
command -v conntrack >/dev/null 2>&1 || apt_install conntrack
command -v ip >/dev/null 2>&1 || apt_install iproute2

# The etcd backend's tests start their own etcd members on free loopback ports (tests/Shared/LocalEtcdCluster.cs).
if [ ! -x /usr/bin/etcd ] && [ -z "${KUBENET_ETCD:-}" ]; then
    apt_install etcd-server
    [ -x /usr/bin/etcd ] || fail "/usr/bin/etcd is still missing after installing etcd-server"
fi
if [ ! -x /usr/bin/etcdctl ]; then
    apt_install etcd-client
fi

# --- build once ---------------------------------------------------------------------------------------------------
echo "== building Kube.NET.sln ($configuration)"
locked dotnet build Kube.NET.sln -c "$configuration" -nologo -v quiet || fail "the build failed"

# --- run every test project ---------------------------------------------------------------------------------------
mkdir -p "$results"
projects=$(find tests conformance -name '*.csproj' | sort)
status=0
for project in $projects; do
    name=$(basename "$project" .csproj)
    echo "== testing $name"
    # KUBECONFIG is unset so the conformance scenarios start their own in-process server.
    locked env -u KUBECONFIG dotnet test "$project" -c "$configuration" --no-build --results-directory "$results" \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
        | grep -vE '^\s*$|^\s+Passed |^\s*\[xUnit.net [0-9:.]+\]\s+(Discovering|Discovered|Starting|Finished):'
    code=${PIPESTATUS[0]}
    if [ ! -f "$results/$name.trx" ]; then
        echo "hack/test.sh: $name produced no test results (exit $code)" >&2
        status=1
    elif [ "$code" -ne 0 ]; then
        status=1
    fi
done

# --- summary ------------------------------------------------------------------------------------------------------
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    attr() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    passed=$((passed + $(attr passed)))
    failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
    # xunit's skipped tests are counted in total but not in executed (notExecuted stays 0).
    skipped=$((skipped + $(attr total) - $(attr executed)))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "results: $results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
