#!/usr/bin/env bash
# Docker for the kubelet's runtime and its tests.
#
#   bash hack/docker.sh up      # reuse a dockerd whose socket answers, else start one; then build the local images
#   bash hack/docker.sh images  # only (re)build the local images if missing
#   bash hack/docker.sh down    # stop the dockerd this script started (never one it found running)
#
# dockerd runs with --bridge=none --iptables=false: Docker creates no network of its own and touches no firewall
# rule; pod networking belongs to the kubelet (CNI). No registry is reachable, so the images pods use here are made
# locally from Debian's busybox-static with `docker import`:
#   busybox:latest              a busybox root filesystem (sh and every applet), CMD sh
#   registry.k8s.io/pause:3.10  the sandbox image: a shell that waits for SIGTERM
# Exits non-zero with a message saying what to install when something is missing.
set -euo pipefail

socket=${DOCKER_SOCKET:-/var/run/docker.sock}
state=${KUBENET_DOCKER_STATE:-/var/lib/kube-net-docker}
run=${KUBENET_DOCKER_RUN:-/run/kube-net-docker}
pidfile="$run/dockerd.pid"
log="$run/dockerd.log"

die() {
    echo "hack/docker.sh: $*" >&2
    exit 1
}

answers() {
    docker -H "unix://$socket" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is missing: install $2 (apt-get install -y $2)"
}

up() {
    need docker docker.io
    need dockerd docker.io
    if answers; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "dockerd is not running at $socket and starting it needs root: start dockerd --bridge=none --iptables=false"
    mkdir -p "$state" "$run"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        die "a dockerd started earlier (pid $(cat "$pidfile")) does not answer at $socket: see $log"
    fi
    rm -f "$pidfile"
    # The daemon outlives this script: it must not keep descriptors it inherited, such as the build lock that
    # `flock /tmp/kubenet-build.lock dotnet test ...` holds, or every later build waits for dockerd to exit.
    (
        for fd in /proc/self/fd/*; do
            n=${fd##*/}
            if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi
        done
        exec setsid dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
            --data-root "$state/data" --exec-root "$run/exec" --pidfile "$pidfile" \
            --host "unix://$socket" --log-driver json-file </dev/null >"$log" 2>&1
    ) &
    for _ in $(seq 1 120); do
        if answers; then
            echo "$pidfile" >"$run/started-by-kube-net"
            return 0
        fi
        sleep 0.5
    done
    tail -20 "$log" >&2 || true
    die "dockerd did not answer at $socket within 60 s (log: $log)"
}

images() {
    need busybox busybox-static
    local busybox
    busybox=$(command -v busybox)
    if ! file_is_static "$busybox"; then
        busybox=/bin/busybox
        [ -x "$busybox" ] || die "a static busybox is missing: install busybox-static"
    fi
    if ! docker -H "unix://$socket" image inspect busybox:latest >/dev/null 2>&1; then
        local root
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/var/run"
        chmod 1777 "$root/tmp"
        cp "$busybox" "$root/bin/busybox"
        for applet in $("$busybox" --list); do
            [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
        done
        ln -s bin "$root/sbin"
        mkdir -p "$root/usr"
        ln -s ../bin "$root/usr/bin"
        ln -s ../bin "$root/usr/sbin"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
        printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
        tar -C "$root" -c . | docker -H "unix://$socket" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - busybox:latest >/dev/null
        rm -rf "$root"
    fi
    if ! docker -H "unix://$socket" image inspect registry.k8s.io/pause:3.10 >/dev/null 2>&1; then
        local root
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
        cp "$busybox" "$root/bin/busybox"
        ln -s busybox "$root/bin/sh"
        ln -s busybox "$root/bin/sleep"
        tar -C "$root" -c . | docker -H "unix://$socket" import \
            -c 'ENTRYPOINT ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 86400 & wait $!; done"]' \
            - registry.k8s.io/pause:3.10 >/dev/null
        rm -rf "$root"
    fi
}

file_is_static() {
    # The Debian busybox package (dynamic) and busybox-static share a name; only a static one runs in an empty image.
    ! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

down() {
    [ -f "$run/started-by-kube-net" ] || return 0
    if [ -f "$pidfile" ]; then
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
    fi
    rm -f "$run/started-by-kube-net"
}

case "${1:-up}" in
    up)
        up
        images
        echo "unix://$socket"
        ;;
    images) images ;;
    down) down ;;
    *) die "usage: hack/docker.sh up|images|down" ;;
esac
