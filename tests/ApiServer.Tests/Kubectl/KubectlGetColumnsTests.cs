using k8s.Models;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>
/// `kubectl get` of several kinds at once prints the column sets of kube-apiserver's printers
/// (pkg/printers/internalversion/printers.go), in the default and the wide form, and the client-side options
/// (--show-labels, -L, --sort-by, custom-columns) work on top of them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlGetColumnsTests(ClusterFixture cluster)
{
    private const string Kinds = "pods,deploy,svc,nodes,ns,cm,events";

    private static readonly string[][] DefaultHeaders =
    [
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["NAMESPACE", "NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["NAMESPACE", "NAME", "STATUS", "AGE"],
        ["NAMESPACE", "NAME", "DATA", "AGE"],
        ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    ];

    private static readonly string[][] WideHeaders =
    [
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"],
        ["NAMESPACE", "NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        ["NAMESPACE", "NAME", "STATUS", "AGE"],
        ["NAMESPACE", "NAME", "DATA", "AGE"],
        ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"],
    ];

    /// <summary>One of each kind in a fresh namespace: a Ready node, a Running pod on it, a deployment, a service, a configmap and an event.</summary>
    private async Task<(string Ns, string Node)> SceneAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("columns");
        var node = $"node-{Guid.NewGuid().ToString("N")[..8]}";
        await cluster.CreateReadyNodeAsync(node);
        await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-1
              namespace: {{ns}}
              labels: {app: web, tier: front}
            spec:
              nodeName: {{node}}
              containers:
              - name: web
                image: nginx:1.27
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: api-1
              namespace: {{ns}}
              labels: {app: api}
            spec:
              containers:
              - name: api
                image: busybox:1.36
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              selector: {app: web}
              ports:
              - port: 80
                targetPort: 8080
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: {{ns}}
            data: {a: "1", b: "2"}
            """));
        var pod = await cluster.SetPodRunningAsync(ns, "web-1", podIp: "10.244.1.5", restarts: 3);
        await cluster.CreateEventAsync(pod, "Scheduled", $"Successfully assigned {ns}/web-1 to {node}");
        return (ns, node);
    }

    [Fact]
    public async Task Get_many_kinds_all_namespaces_prints_the_upstream_columns_default_and_wide()
    {
        var (ns, node) = await SceneAsync();

        foreach (var (wide, expected) in new[] { (false, DefaultHeaders), (true, WideHeaders) })
        {
            string[] args = wide ? ["get", Kinds, "-A", "-o", "wide"] : ["get", Kinds, "-A"];
            var stdout = await cluster.KubectlOkAsync(args);
            var tables = KubectlTable.Parse(stdout);
            Assert.True(tables.Count == expected.Length, stdout);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], tables[i].Headers);
            }

            var pod = tables[0].Row("pod/web-1", ns);
            Assert.Equal((ns, "1/1", "Running", "3"), (pod["NAMESPACE"], pod["READY"], pod["STATUS"], pod["RESTARTS"]));
            var pending = tables[0].Row("pod/api-1", ns);
            Assert.Equal(("0/1", "Pending", "0"), (pending["READY"], pending["STATUS"], pending["RESTARTS"]));

            var deployment = tables[1].Row("deployment.apps/web", ns);
            Assert.Equal(("0/2", "0", "0"), (deployment["READY"], deployment["UP-TO-DATE"], deployment["AVAILABLE"]));

            var service = tables[2].Row("service/web", ns);
            Assert.Equal(("ClusterIP", "<none>", "80/TCP"), (service["TYPE"], service["EXTERNAL-IP"], service["PORT(S)"]));
            Assert.Matches(@"^10\.\d+\.\d+\.\d+$", service["CLUSTER-IP"]);

            var nodeRow = tables[3].Row($"node/{node}");
            Assert.Equal(("", "Ready", "control-plane", "v1.32.4"), (nodeRow["NAMESPACE"], nodeRow["STATUS"], nodeRow["ROLES"], nodeRow["VERSION"]));

            var nsRow = tables[4].Row($"namespace/{ns}");
            Assert.Equal("Active", nsRow["STATUS"]);

            Assert.Equal("2", tables[5].Row("configmap/settings", ns)["DATA"]);

            var ev = Assert.Single(tables[6].Rows, r => r["NAMESPACE"] == ns);
            Assert.Equal(("Normal", "Scheduled", "pod/web-1"), (ev["TYPE"], ev["REASON"], ev["OBJECT"]));
            Assert.Equal($"Successfully assigned {ns}/web-1 to {node}", ev["MESSAGE"]);

            if (wide)
            {
                Assert.Equal(("10.244.1.5", node, "<none>", "<none>"), (pod["IP"], pod["NODE"], pod["NOMINATED NODE"], pod["READINESS GATES"]));
                Assert.Equal(("<none>", "<none>"), (pending["IP"], pending["NODE"]));
                Assert.Equal(("web", "nginx:1.27", "app=web"), (deployment["CONTAINERS"], deployment["IMAGES"], deployment["SELECTOR"]));
                Assert.Equal("app=web", service["SELECTOR"]);
                Assert.Equal(
                    ("192.168.50.10", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0-test", "containerd://1.7.0"),
                    (nodeRow["INTERNAL-IP"], nodeRow["EXTERNAL-IP"], nodeRow["OS-IMAGE"], nodeRow["KERNEL-VERSION"], nodeRow["CONTAINER-RUNTIME"]));
                Assert.Equal(("default-scheduler", "1"), (ev["SOURCE"], ev["COUNT"]));
                Assert.StartsWith("event/web-1.", ev["NAME"], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Get_show_labels_label_columns_sort_by_and_custom_columns()
    {
        var (ns, _) = await SceneAsync();

        var labels = KubectlTable.Single(await cluster.KubectlOkAsync("-n", ns, "get", "pods", "--show-labels"));
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"], labels.Headers);
        Assert.Equal("app=web,tier=front", labels.Row("web-1")["LABELS"]);
        Assert.Equal("app=api", labels.Row("api-1")["LABELS"]);

        var labelColumns = KubectlTable.Single(await cluster.KubectlOkAsync("-n", ns, "get", "pods", "-L", "app", "-L", "tier"));
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "APP", "TIER"], labelColumns.Headers);
        Assert.Equal(("web", "front"), (labelColumns.Row("web-1")["APP"], labelColumns.Row("web-1")["TIER"]));
        Assert.Equal(("api", ""), (labelColumns.Row("api-1")["APP"], labelColumns.Row("api-1")["TIER"]));

        // --sort-by asks the server for the objects inside the Table (includeObject=Object) and sorts them itself.
        var sorted = KubectlTable.Single(await cluster.KubectlOkAsync("-n", ns, "get", "pods", "--sort-by=.metadata.name"));
        Assert.Equal(["api-1", "web-1"], sorted.Rows.Select(r => r["NAME"]));
        var byImage = KubectlTable.Single(await cluster.KubectlOkAsync("-n", ns, "get", "pods", "--sort-by=.spec.containers[0].image", "-o", "wide"));
        Assert.Equal(["api-1", "web-1"], byImage.Rows.Select(r => r["NAME"]));
        Assert.Equal("10.244.1.5", byImage.Row("web-1")["IP"]);

        var custom = await cluster.KubectlOkAsync("-n", ns, "get", "pods", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name,IMG:.spec.containers[0].image");
        Assert.Equal(["NAME    IMG", "api-1   busybox:1.36", "web-1   nginx:1.27"], custom.TrimEnd('\n').Split('\n'));

        var noHeaders = await cluster.KubectlOkAsync("-n", ns, "get", "pods", "-l", "app=web", "--no-headers");
        Assert.Matches(@"^web-1\s+1/1\s+Running\s+3\s+\S+\n$", noHeaders);
    }
}
