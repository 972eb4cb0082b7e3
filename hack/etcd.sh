#!/usr/bin/env bash
# Starts a local etcd cluster on free 127.0.0.1 ports, for trying Kube.NET on etcd by hand (the tests and the
# benchmark start their own through tests/Shared/LocalEtcdCluster.cs).
#
#   hack/etcd.sh start [MEMBERS (default 1)] [DIR (default a new temp dir)]   prints --etcd-servers and the directory
#   hack/etcd.sh stop DIR                                                      kills the members and removes DIR
#
# Then, for example:
#   kube-net apiserver --etcd-servers URLS --data-dir /tmp/a --pki-dir /tmp/pki --secure-port 6443
#   kube-net apiserver --etcd-servers URLS --data-dir /tmp/b --pki-dir /tmp/pki --secure-port 6444
set -euo pipefail

etcd=${KUBENET_ETCD:-$(command -v etcd || true)}
if [ -z "$etcd" ] || [ ! -x "$etcd" ]; then
    echo "hack/etcd.sh: etcd is missing: apt-get install -y etcd-server etcd-client" >&2
    exit 1
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
start)
    members=${2:-1}
    dir=${3:-$(mktemp -d /tmp/kubenet-etcd-XXXXXX)}
    mkdir -p "$dir"
    declare -a clients peers
    for ((i = 0; i < members; i++)); do
        clients[i]=$(free_port)
        peers[i]=$(free_port)
    done
    cluster=""
    for ((i = 0; i < members; i++)); do
        cluster+="${cluster:+,}m$i=http://127.0.0.1:${peers[i]}"
    done
    urls=""
    for ((i = 0; i < members; i++)); do
        "$etcd" --name "m$i" --data-dir "$dir/m$i" \
            --listen-client-urls "http://127.0.0.1:${clients[i]}" --advertise-client-urls "http://127.0.0.1:${clients[i]}" \
            --listen-peer-urls "http://127.0.0.1:${peers[i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peers[i]}" \
            --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "kubenet-$$" \
            --logger zap --log-outputs stderr --log-level warn >"$dir/m$i.log" 2>&1 &
        echo $! >"$dir/m$i.pid"
        urls+="${urls:+,}http://127.0.0.1:${clients[i]}"
    done
    for ((i = 0; i < members; i++)); do
        for _ in $(seq 1 200); do
            if curl -fsS "http://127.0.0.1:${clients[i]}/health" 2>/dev/null | grep -q '"true"'; then
                continue 2
            fi
            sleep 0.1
        done
        echo "hack/etcd.sh: member m$i did not become healthy; see $dir/m$i.log" >&2
        exit 1
    done
    echo "$urls" >"$dir/endpoints"
    echo "etcd directory: $dir"
    echo "--etcd-servers $urls"
    ;;
stop)
    dir=${2:?usage: hack/etcd.sh stop DIR}
    for pid in "$dir"/*.pid; do
        [ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null || true
    done
    rm -rf "$dir"
    ;;
*)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
