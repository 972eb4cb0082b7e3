"""Watch configmaps with kubernetes.watch.Watch while this script creates, changes and deletes one.

Usage: watch.py NAMESPACE. The watch starts at the resourceVersion of a list and stops after timeout_seconds;
prints one JSON object per event received, then a summary line.
"""
import json
import sys
import threading
import time

from kubernetes import client, config, watch

namespace = sys.argv[1]
config.load_kube_config()
core = client.CoreV1Api()

listed = core.list_namespaced_config_map(namespace)
start_rv = listed.metadata.resource_version


writer_errors = []


def writer():
    # A read-modify-replace, not patch_namespaced_config_map: with a dict body the client sends a strategic merge
    # patch, which is a separate feature with tests of its own.
    try:
        time.sleep(0.5)
        core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched"), data={"n": "1"}))
        current = core.read_namespaced_config_map("watched", namespace)
        current.data["n"] = "2"
        core.replace_namespaced_config_map("watched", namespace, current)
        core.delete_namespaced_config_map("watched", namespace)
    except Exception as e:  # reported to the test, which prints it
        writer_errors.append(repr(e))


thread = threading.Thread(target=writer)
thread.start()

events = []
w = watch.Watch()
for event in w.stream(core.list_namespaced_config_map, namespace, resource_version=start_rv, timeout_seconds=4):
    obj = event["object"]
    events.append(event["type"])
    print(json.dumps({"type": event["type"], "name": obj.metadata.name, "rv": obj.metadata.resource_version,
                      "data": obj.data}), flush=True)
    if len(events) == 3:
        w.stop()
thread.join()
print(json.dumps({"summary": events, "writer_errors": writer_errors}), flush=True)
