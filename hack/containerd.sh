#!/usr/bin/env bash
# A containerd of our own with its CRI plugin, for running the kubelet against a CRI server we did not write.
#
#   bash hack/containerd.sh up       # start it (or reuse one this script started), import the local images; prints unix://SOCK
#   bash hack/containerd.sh running  # exit 0 when its socket answers
#   bash hack/containerd.sh down     # kill what is left in its k8s.io namespace, stop it, remove its bridge
#
# It is not the containerd dockerd runs (that one disables CRI): its own root, state, socket and config under
# /var/lib/kube-net-containerd and /run/kube-net-containerd. The CRI plugin's pod network is CNI bridge + host-local
# from containernetworking-plugins (/usr/lib/cni) with a conf dir of our own: bridge kncd0, pods in 10.214.0.0/24,
# no masquerade, so pods reach only each other and the host. No registry is reachable and none is ever asked:
# docker.io and registry.k8s.io resolve to a closed loopback port, and the images pods use are built here from
# Debian's busybox-static as OCI archives and imported into the k8s.io namespace:
#   docker.io/library/busybox:latest  a busybox root filesystem (sh and every applet), CMD sh
#   registry.k8s.io/pause:3.10        the sandbox image: a shell that waits for SIGTERM
# Exits non-zero with a message saying what to install when something is missing.
set -euo pipefail

state=${KUBENET_CONTAINERD_STATE:-/var/lib/kube-net-containerd}
run=${KUBENET_CONTAINERD_RUN:-/run/kube-net-containerd}
socket="$run/containerd.sock"
pidfile="$run/containerd.pid"
log="$run/containerd.log"
config="$run/config.toml"
bridge=kncd0
subnet=10.214.0.0/24

die() {
    echo "hack/containerd.sh: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is missing: install $2 (apt-get install -y $2)"
}

answers() {
    [ -S "$socket" ] && ctr -a "$socket" version >/dev/null 2>&1
}

write_config() {
    mkdir -p "$state/root" "$run/state" "$run/cni/net.d" "$run/certs.d/docker.io" "$run/certs.d/registry.k8s.io" "$state/cni"
    cat >"$run/cni/net.d/10-kube-net.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kube-net-containerd",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$state/cni", "ranges": [[{ "subnet": "$subnet" }]] }
    }
  ]
}
EOF
    for registry in docker.io registry.k8s.io; do
        printf 'server = "http://127.0.0.1:9"\n' >"$run/certs.d/$registry/hosts.toml"
    done
    cat >"$config" <<EOF
version = 2
root = "$state/root"
state = "$run/state"
oom_score = 0

[grpc]
  address = "$socket"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false
  disable_tcp_service = true
  # The CRI plugin gives sandboxes oom_score_adj -998; lowering a score needs CAP_SYS_RESOURCE, which a host (or a
  # container running this) may not grant, and runc then fails every sandbox. Restricted, no score goes below
  # containerd's own.
  restrict_oom_score_adj = true

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$run/cni/net.d"
  max_conf_num = 1

[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "$run/certs.d"

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  Root = "$run/runc"
  SystemdCgroup = false
EOF
}

up() {
    need containerd containerd
    need ctr containerd
    need runc runc
    need containerd-shim-runc-v2 containerd
    [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ] \
        || die "CNI plugins are missing from /usr/lib/cni: install containernetworking-plugins (apt-get install -y containernetworking-plugins)"
    if answers; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "starting containerd needs root"
    mkdir -p "$run"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        die "a containerd started earlier (pid $(cat "$pidfile")) does not answer at $socket: see $log"
    fi
    write_config
    # The daemon outlives this script: it must not keep descriptors it inherited, such as the build lock that
    # `flock /tmp/kubenet-build.lock dotnet test ...` holds, or every later build waits for containerd to exit.
    (
        for fd in /proc/self/fd/*; do
            n=${fd##*/}
            if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi
        done
        exec setsid containerd --config "$config" </dev/null >"$log" 2>&1
    ) &
    echo $! >"$pidfile"
    for _ in $(seq 1 120); do
        if answers; then
            cri_enabled || { tail -20 "$log" >&2; die "containerd answers at $socket but its CRI plugin did not load (log: $log)"; }
            return 0
        fi
        kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -20 "$log" >&2; die "containerd exited (log: $log)"; }
        sleep 0.5
    done
    tail -20 "$log" >&2 || true
    die "containerd did not answer at $socket within 60 s (log: $log)"
}

cri_enabled() {
    ctr -a "$socket" plugins ls 2>/dev/null | grep -E '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]]' | grep -q ok
}

file_is_static() {
    # The Debian busybox package (dynamic) and busybox-static share a name; only a static one runs in an empty image.
    ! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

# oci_archive NAME ROOTFS CONFIG-JSON OUT: an OCI image layout tar with one uncompressed layer, named NAME.
oci_archive() {
    local name=$1 root=$2 image_config=$3 out=$4 dir layer layer_digest layer_size config_digest config_size manifest manifest_digest manifest_size
    dir=$(mktemp -d)
    mkdir -p "$dir/blobs/sha256"
    layer="$dir/layer.tar"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$layer" .
    layer_digest=$(sha256sum "$layer" | cut -d' ' -f1)
    layer_size=$(stat -c %s "$layer")
    mv "$layer" "$dir/blobs/sha256/$layer_digest"
    printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$image_config" "$layer_digest" >"$dir/config.json"
    config_digest=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
    config_size=$(stat -c %s "$dir/config.json")
    mv "$dir/config.json" "$dir/blobs/sha256/$config_digest"
    manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$config_digest" "$config_size" "$layer_digest" "$layer_size")
    printf '%s' "$manifest" >"$dir/manifest.json"
    manifest_digest=$(sha256sum "$dir/manifest.json" | cut -d' ' -f1)
    manifest_size=$(stat -c %s "$dir/manifest.json")
    mv "$dir/manifest.json" "$dir/blobs/sha256/$manifest_digest"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s"}}]}' \
        "$manifest_digest" "$manifest_size" "$name" >"$dir/index.json"
    tar -C "$dir" -cf "$out" oci-layout index.json blobs
    rm -rf "$dir"
}

images() {
    need busybox busybox-static
    local busybox root tmp
    busybox=$(command -v busybox)
    if ! file_is_static "$busybox"; then
        busybox=/bin/busybox
        [ -x "$busybox" ] && file_is_static "$busybox" || die "a static busybox is missing: install busybox-static"
    fi
    tmp=$(mktemp -d)
    if ! ctr -a "$socket" -n k8s.io images check "name==docker.io/library/busybox:latest" 2>/dev/null | grep -q busybox; then
        root="$tmp/busybox"
        mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/var/run" "$root/usr"
        chmod 1777 "$root/tmp"
        cp "$busybox" "$root/bin/busybox"
        for applet in $("$busybox" --list); do
            [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
        done
        ln -s bin "$root/sbin"
        ln -s ../bin "$root/usr/bin"
        ln -s ../bin "$root/usr/sbin"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
        printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
        oci_archive docker.io/library/busybox:latest "$root" '{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' "$tmp/busybox.tar"
        ctr -a "$socket" -n k8s.io images import "$tmp/busybox.tar" >/dev/null || die "importing busybox failed"
    fi
    if ! ctr -a "$socket" -n k8s.io images check "name==registry.k8s.io/pause:3.10" 2>/dev/null | grep -q pause; then
        root="$tmp/pause"
        mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
        cp "$busybox" "$root/bin/busybox"
        ln -s busybox "$root/bin/sh"
        ln -s busybox "$root/bin/sleep"
        oci_archive registry.k8s.io/pause:3.10 "$root" \
            '{"Env":["PATH=/bin"],"Entrypoint":["/bin/sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 86400 & wait $!; done"]}' "$tmp/pause.tar"
        ctr -a "$socket" -n k8s.io images import "$tmp/pause.tar" >/dev/null || die "importing pause failed"
    fi
    rm -rf "$tmp"
}

down() {
    if answers; then
        # Containers left behind (a test that failed half-way) are killed and removed, so no shim outlives containerd.
        local id
        for id in $(ctr -a "$socket" -n k8s.io tasks ls -q 2>/dev/null); do
            ctr -a "$socket" -n k8s.io tasks kill -s KILL "$id" >/dev/null 2>&1 || true
        done
        for id in $(ctr -a "$socket" -n k8s.io tasks ls -q 2>/dev/null); do
            for _ in $(seq 1 20); do
                ctr -a "$socket" -n k8s.io tasks delete "$id" >/dev/null 2>&1 && break
                sleep 0.25
            done
        done
        for id in $(ctr -a "$socket" -n k8s.io containers ls -q 2>/dev/null); do
            ctr -a "$socket" -n k8s.io containers delete "$id" >/dev/null 2>&1 || true
        done
    fi
    if [ -f "$pidfile" ]; then
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        rm -f "$pidfile"
    fi
    ip link del "$bridge" 2>/dev/null || true
    rm -rf "$state/cni"
}

case "${1:-up}" in
    up)
        up
        images
        echo "unix://$socket"
        ;;
    running) answers ;;
    images) images ;;
    down) down ;;
    *) die "usage: hack/containerd.sh up|running|images|down" ;;
esac
