"""Create, list with a label selector, read, delete and read again through python3-kubernetes.

Usage: crud.py NAMESPACE. Prints one JSON object per step; the test asserts on them.
"""
import json
import sys

from kubernetes import client, config

namespace = sys.argv[1]
config.load_kube_config()
core = client.CoreV1Api()


def emit(step, **fields):
    print(json.dumps(dict(step=step, **fields)), flush=True)


for name, tier in (("py-a", "web"), ("py-b", "web"), ("py-c", "db")):
    created = core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"tier": tier}), data={"name": name}),
    )
    emit("created", name=created.metadata.name, uid=created.metadata.uid, rv=created.metadata.resource_version)

web = core.list_namespaced_config_map(namespace, label_selector="tier=web")
emit("list", selector="tier=web", names=sorted(i.metadata.name for i in web.items), rv=web.metadata.resource_version)
not_web = core.list_namespaced_config_map(namespace, label_selector="tier!=web")
emit("list", selector="tier!=web", names=sorted(i.metadata.name for i in not_web.items))
set_based = core.list_namespaced_config_map(namespace, label_selector="tier in (db,cache)")
emit("list", selector="tier in (db,cache)", names=sorted(i.metadata.name for i in set_based.items))

read = core.read_namespaced_config_map("py-a", namespace)
emit("read", name=read.metadata.name, data=read.data)

status = core.delete_namespaced_config_map("py-a", namespace)
emit("deleted", kind=status.kind, status=getattr(status, "status", None))

try:
    core.read_namespaced_config_map("py-a", namespace)
    emit("read-after-delete", status=200)
except client.exceptions.ApiException as e:
    body = json.loads(e.body)
    emit("read-after-delete", status=e.status, reason=body.get("reason"))

remaining = core.list_namespaced_config_map(namespace)
emit("list", selector="", names=sorted(i.metadata.name for i in remaining.items))
